# community-desk — English
# Every message has a twin in zh-CN/community_desk.ftl; a test keeps them in step.

## Welcome and registration

welcome = Hello! This is the community front desk (365 days of warm service).
    Residents report problems and ask for help here; we pass your request to your building liaison and follow it through.
    Please choose:
welcome-back = Welcome back! Your registered home is { $building }.
    Send /new to report a problem or ask for help, /my to follow your requests.
welcome-building = Hello! You scanned the code of { $building }.
button-register-resident = 🏠 I am a resident: register my home
button-register-staff = 🤝 I am a volunteer / community staff
ask-language = 请选择语言 / Please choose a language:
language-set = Language set to English.
ask-building = Please send your building code (it is printed on the QR sticker in your stairwell, e.g. E01).
building-chosen = Building: { $building }.
building-unknown = There is no building "{ $typed }". Please check the code on the QR sticker and send it again.
building-suggest = There is no building "{ $typed }". Did you mean:
building-link-unknown = The building of this QR code is not in the directory; please type your building code.
ask-room = Please send your room number (e.g. 302), or skip.
room-invalid = That room number does not look right: use digits, letters or "-", at most { $max ->
        [one] { $max } character
       *[other] { $max } characters
    }.
ask-phone = Would you like to leave your phone number so that your liaison can call you? Share it with the button below, or tap "Skip".
ask-staff-phone = Please share your phone number with the button below. If the community directory lists your number, you get your responsibilities automatically.
button-share-phone = 📱 Share my phone number
button-skip = Skip
phone-skipped = All right, no phone number.
phone-saved = Phone number saved.
phone-invalid = That phone number could not be read.
phone-taken = This phone number is already linked to another Telegram account. Please contact the community office.
contact-not-own = Please share your own number with the button below rather than forwarding someone's contact.
roles-bound = Welcome aboard. You are now responsible for:
    { $roles }
    New requests will reach you here.
ask-privacy = Privacy: we keep your building, room, phone (if you gave it) and your requests, only to handle them; only the people handling them see your details. See /privacy.
    Do you agree?
button-privacy-accept = I agree
button-privacy-decline = I do not agree
privacy-declined = All right, we keep no address for you. Send /start whenever you want to register.
registered = You are registered at { $building }.
    Send /new to report a problem or ask for help, /my to follow your requests.
register-first = Before reporting, please register your home.

## Reporting

ask-category = What is it about?
ask-description = Please describe the problem. You can send text, photos, voice notes, video, documents or a location, in several messages. Tap "Done" when you have sent everything.
description-added = Got it. Add more if you like, then tap "Done".
description-empty = Please describe the problem first.
description-unsupported = This kind of message cannot be kept. Please send text, a photo, a voice note, a video, a document or a location.
description-too-long = The description is too long: at most { $max ->
        [one] { $max } character
       *[other] { $max } characters
    }.
too-many-attachments = Too many attachments: at most { $max }.
ask-urgency = How urgent is it?
ask-edit = What would you like to change?
report-summary = Please check your request:
    Category: { $category }
    Urgency: { $urgency }
    Description: { $description }
emergency-numbers = ⚠️ If anyone is in danger, call now: police 110, fire 119, ambulance 120.
    We are alerting every level of the community at the same time.
report-received = Request { $number } received. Your { $responder } has been notified and should accept it by { $deadline }. We will tell you when someone takes it.
report-received-closed = Request { $number } received. It is outside service hours now, so your { $responder } will see to it when the desk opens and should accept it by { $deadline }. In an emergency call 110 / 119 / 120. We will tell you when someone takes it.
report-received-unassigned = Request { $number } received. Nobody is available to take it right now; the community will arrange someone as soon as possible, and we will tell you when someone takes it.
report-abandoned = Cancelled; nothing was sent.
too-many-open = You already have { $max ->
        [one] { $max } request
       *[other] { $max } requests
    } open. Please wait until one of them is done before sending a new one.
button-done = ✅ Done
button-confirm = ✅ Send
button-edit = ✏️ Edit
button-cancel = ✖️ Cancel
button-edit-category = Category
button-edit-description = Description
button-edit-urgency = Urgency

## Categories, urgency, status, roles

category-property = Property management
category-household = Household services
category-renovation = Old-estate renovation
category-dispute = Dispute mediation
category-volunteer = Volunteer help
category-social-org = Social organisations
category-elderly = Elderly care
category-childcare = Child and youth care
category-other = Other
urgency-emergency = Emergency
urgency-urgent = Urgent
urgency-normal = Normal
urgency-complex = Complex
urgency-emergency-hint = 🚨 Emergency: fire, gas smell, someone fell
urgency-urgent-hint = ❗ Urgent: no water, power or heating; an elderly person alone needs help
urgency-normal-hint = Normal: most problems
urgency-complex-hint = Complex: renovation, disputes, things that take longer
status-open = waiting for someone to accept
status-accepted = being handled
status-resolved = resolved, waiting for your confirmation
status-closed = closed
status-cancelled = cancelled
role-liaison = building liaison
role-deputy = deputy building liaison
role-group-leader = estate group leader
role-grid-leader = grid leader
role-admin = community office
role-volunteer = volunteer
duration-minutes = { $n ->
        [one] { $n } minute
       *[other] { $n } minutes
    }
duration-hours = { $n ->
        [one] { $n } hour
       *[other] { $n } hours
    }
duration-days = { $n ->
        [one] { $n } day
       *[other] { $n } days
    }
date = { $weekday ->
        [1] Monday
        [2] Tuesday
        [3] Wednesday
        [4] Thursday
        [5] Friday
        [6] Saturday
       *[7] Sunday
    } { $day } { $month ->
        [1] January
        [2] February
        [3] March
        [4] April
        [5] May
        [6] June
        [7] July
        [8] August
        [9] September
        [10] October
        [11] November
       *[12] December
    }
date-year = { date } { $year }
date-at = { $date }, { $time }
date-today = today, { $time }
date-tomorrow = tomorrow, { $date }, { $time }
date-yesterday = yesterday, { $time }

## The card a responder receives

card = 🔔 Request { $number } · { $category } · { $urgency }
    Where: { $estate } { $building }, { $room }
    Status: { $status }

    { $description }
card-no-room = no room given
card-attachments = 📎 { $count ->
        [one] { $count } attachment
       *[other] { $count } attachments
    }
card-declined = You passed request { $number } on.
card-now-with = Now with the { $responder }.
card-now-with-nobody = Nobody has taken it yet.
button-accept = ✅ Accept
button-decline = ↪️ Decline
accepted = Accepted.
already-accepted = This request has already been accepted.
declined = Passed on to the next responder.
no-longer-open = This request is now { $status }; it takes no more actions.
not-yours = This request is not assigned to you.
resident-accepted = Your request { $number } has been accepted by your { $responder } and is being handled.

## My requests

my-header = Your latest requests:
my-line = { $number } · { $category } · { $status } · { $date }
my-none = You have not sent any requests yet. Send /new to start.
my-line-following = { $line } · you follow it
my-merged-into = merged, followed as { $into }

## General

help = Commands:
    /new — report a problem or ask for help
    /my — your requests
    /start — register or change your home
    /cancel — leave what you are doing
    /lang — change language
    /privacy — what we keep about you
help-responder = As a responder: accept or decline a request with the buttons on its card.
privacy-notice = What we keep: your Telegram account number, name, language, building and room, the phone number you chose to give, and your requests with their history.
    Who sees it: only the people handling your request and the community office; details of dispute, elderly-care and childcare requests never appear in notices, group chats or exports.
    How long: { $retention ->
        [one] one day
       *[other] { $retention } days
    } after a request is closed; after that it is anonymised and kept only for statistics. Messages you send the bot are kept { $updates ->
        [one] one day
       *[other] { $updates } days
    } after they are handled, and messages it sends you { $messages ->
        [one] one day
       *[other] { $messages } days
    } after they are sent.
cancelled = Cancelled.
nothing-to-cancel = There is nothing to cancel.
nothing-to-finish = There is nothing to finish.
no-dialogue = I did not understand that, and it was not passed on to anyone: nobody is waiting for your answer. Send /new to report a problem or ask for help, or /my to see your requests and add to one; /help lists the commands.
unexpected-input = For this step, please tap one of the buttons above or answer as asked.
still-in-dialogue = You are still in the middle of something (send /cancel to leave it):
unknown-command = There is no such command. /help lists them.
button-stale = That button belongs to an earlier step. Here is where we are:
button-expired = That button has expired.
button-unknown = That button is not recognised.
invitation-invalid = This invitation link is invalid or has expired. Please ask the community staff for a new one.
internal-error = Sorry, something went wrong while handling your message. Please try again later, or contact the community office.

## Command menu

menu-new = Report a problem or ask for help
menu-my = My requests
menu-start = Register my home
menu-help = Help
menu-cancel = Leave what I am doing
menu-lang = Change language
menu-privacy = What we keep about me

## Escalation and reminders

deadline-warning = ⏰ Request { $number } is close to its deadline; please see to it.
escalated-heading = ⬆️ The { $responder } did not handle this request in time, so it has come up to you. Please take it over or reassign it.
escalated-heading-unassigned = ⬆️ Nobody is handling this request, so it has come up to you. Please take it over or reassign it.
resident-escalated = Nobody handled your request { $number } in time, so we have passed it up to the next level.
reminder-heading = 🔁 Reminder { $n }: request { $number } is still not handled.
looked-at-from = It is outside service hours; your request will be looked at from { $at }. In an emergency call 110 / 119 / 120.
button-take-over = 🙋 Take over
button-reassign = 🔀 Reassign
taken-over = It is yours now.
taken-over-in-office = You took this request over in the office dashboard: it is yours now.
taken-over-from-you = Request { $number } has been taken over from above; you need not handle it any more.
reassign-choose = Reassign request { $number } to:
reassign-nobody = There is nobody to reassign it to right now.
reassigned = Reassigned.
reassigned-to-you = 🔀 This request has been reassigned to you.

## Service levels (admins)

admins-only = Only community admins can use this command.
community-admins-only = Only admins of a whole community can do this (service levels, exports).
sla-header = Service levels (accept / resolve):
sla-line = { $urgency }: accept within { $accept }, resolve within { $resolve } ({ $clock })
sla-service-hours = clock runs in service hours 08:00–21:00
sla-around-the-clock = clock runs around the clock
sla-no-holidays = No holidays are set.
sla-holidays = Holidays (service-hours clocks pause): { $dates }
sla-usage = To change: /sla set <urgency> accept|resolve <duration>, e.g. /sla set normal accept 45m
    Holidays: /sla holiday add 2026-10-01, /sla holiday remove 2026-10-01
    Volunteer pool: /sla pool add elderly, /sla pool remove elderly
sla-changed = Changed.
sla-bad-urgency = The urgency must be one of: { $expected }
sla-bad-duration = "{ $value }" is not a duration. Write it like 45m, 3d or 1h30m (s seconds, m minutes, h hours, d days), at most a year.
sla-zero-duration = A service level must be more than zero. Write it like 45m, 3d or 1h30m.
sla-duration-too-long = "{ $value }" is longer than a year; a service level can be at most a year.
sla-bad-date = "{ $value }" is not a date. Write it like 2026-10-01.
duration-seconds = { $n ->
        [one] { $n } second
       *[other] { $n } seconds
    }
emergency-heading = 🚨 Emergency: every level of the community has been alerted at once. Take it over or reassign it if the building's responder cannot act at once.

## Flood limit and privacy

slow-down = You are sending messages too fast. Please wait a minute; at most 20 messages a minute are handled.
slow-down-button = Too fast; please wait a minute.
mydata-sent = This is everything we keep about you.
forget-confirm = Erase everything that identifies you? Your name, phone, home and the descriptions of your requests are deleted and open requests are cancelled; the requests stay, anonymised, only for statistics. This cannot be undone.
button-forget = Erase my data
button-keep = Keep it
forgotten = Done: everything that identified you has been erased. Send /start if you want to use the desk again.
forget-kept = All right, nothing was erased.
button-cancel-request = ✖️ Withdraw { $number }
request-cancelled = Request { $number } is withdrawn.
request-cancelled-by-resident = Request { $number } was withdrawn by the resident; you need not handle it any more.

## Handling, confirming, rating

ask-decline-reason = Why do you decline request { $number }?
decline-not-my-building = Not my building
decline-not-my-kind = Not the kind of problem I handle
decline-away = I am away
decline-other = Another reason…
ask-decline-note = Please write your reason in a few words.
button-resolve = ✅ Resolved
ask-resolve-note = Please write in a few words what was done (the resident will see it).
resolved = Request { $number } is marked resolved; waiting for the resident to confirm.
ask-fixed = Your request { $number } has been handled: { $note }
    Is it fixed?
button-fixed-yes = 👍 Yes, fixed
button-fixed-no = 👎 Not yet
ask-reopen-reason = Please say what is still wrong; we will pass it on.
reopened = Request { $number } is reopened; its responder will carry on.
reopened-heading = ↩️ The resident says it is not fixed: { $reason }
reopened-heading-follower = ↩️ A neighbour who follows it says it is not fixed: { $reason }
ask-rating = Thank you! How would you rate how request { $number } was handled?
rated = Thank you for rating!
already-rated = This request has been rated already.
thanks = Thank you!
resident-confirmed = The resident confirmed request { $number } is fixed.
resident-rated = The resident rated request { $number }: { $stars ->
        [one] { $stars } star
       *[other] { $stars } stars
    }.
auto-closed = Your request { $number } was handled three days ago without your confirmation, so it is now closed. If the problem is still there, send /new.
tasks-none = You hold no requests.
tasks-header = You hold { $count ->
        [one] { $count } request
       *[other] { $count } requests
    }, overdue first:

## Talking and being away

button-reply = 💬 Reply
button-add-info = 💬 Add to { $number }
ask-relay = Send what you want to pass on (text, a photo, a voice note or a document).
relayed = 💬 { $number } · { $from }:
    { $text }
from-resident = the resident
relay-sent-to-responder = Passed to the { $responder } of { $number }.
relay-sent-to-resident = Passed to the resident of { $number }.
reply-which = Which request is this message for? It is passed on once you choose.
button-reply-to = { $number } · { $category }
responders-only = Only responders can use this command.
away-usage = Usage: /away (until you send /back), /away 3 (for 3 days), or /away 2026-12-01 (until the end of that day).
away-set = You are away until { $until }. New requests go to your deputy or the next level{ $moved ->
        [0] .
        [one] ; the { $moved } request waiting for you went to them.
       *[other] ; the { $moved } requests waiting for you went to them.
    } Send /back when you return.
back-set = Welcome back! New requests come to you again.
ask-still-fixed = Request { $number } was closed a week ago. Is it still fixed?
button-claim = 🙋 I'll help
volunteer-offer = 🤝 A volunteer request; the first to claim it handles it:
claimed = It is yours; thank you!
claimed-by-another = Request { $number } was claimed by another volunteer; thank you!
claimed-from-you = Request { $number } was claimed by a volunteer, who is handling it now; you need not handle it any more.

## Export

export-usage = Usage: /export, /export 2026-11-01, or /export 2026-11-01 2026-11-30 (local dates, both days included).
export-sent = { $rows ->
        [one] { $rows } request
       *[other] { $rows } requests
    } exported (no residents' names or phones; descriptions of sensitive categories redacted).
sla-pool = Also offered to the volunteer pool: { $categories }
sla-bad-category = The category must be one of: { $expected }

## Command menu (roles)

menu-mydata = A copy of everything kept about me
menu-forget = Erase everything about me
menu-tasks = My open tasks
menu-away = I am away (a deputy covers)
menu-back = I am back
menu-open = Open requests, overdue first
menu-request = A request's full story
menu-assign = Give a request to someone
menu-stats = Statistics with a chart
menu-sla = Service levels and holidays
menu-invite = Invite someone to a role
menu-people = Responders and their roles
menu-broadcast = Send a notice to residents
menu-export = Requests as CSV
menu-import = Load units.csv / people.csv / households.csv
menu-done = Finish /import

## Admin console: directory and invitations

level-community = community
level-grid = grid
level-estate = estate
level-building = building
people-header = Responders (⚪ = has not linked their Telegram account yet):
people-from-config = 🔑 = an admin only because ADMIN_IDS lists their Telegram account. If the directory also lists them (⚪), they show as two lines until they share their phone number with the bot (/start, then “I am a volunteer / community staff”); the two then become one.
people-none = Nobody holds a role here yet.
people-usage = /people [unit] lists responders; /people add <role> <unit> <phone> [name] and /people remove <role> <unit> <phone> change them. A unit is a building code or a name such as 第一网格 or 第一网格/绿杨东苑.
people-bad-role = The role must be one of: { $expected }
role-wrong-level = A { $role } is held on a { $level }.
role-granted = Done: now { $role } of { $unit }.
role-revoked = Done: no longer { $role } of { $unit }.
role-already-held = Already { $role } of { $unit }; nothing changed.
role-not-held = Nobody with that phone is { $role } of { $unit }; nothing changed.
unit-unknown = There is no unit “{ $unit }”. Use a building code or a name such as 第一网格/绿杨东苑.
unit-outside-scope = “{ $unit }” is outside the units you administer.
unit-ambiguous = “{ $unit }” is ambiguous; write it as a path such as { $example }.
invite-usage = Usage: /invite <role> <unit>, for example /invite liaison E01. Roles: liaison, deputy, group_leader, grid_leader, admin, volunteer.
invite-created = Invitation to become { $role } of { $unit }. It works once and expires in { $days ->
        [one] { $days } day
       *[other] { $days } days
    }; send it to the person:
    { $link }
invitation-accepted = Welcome! You are now { $role } of { $unit }.
import-ask = Send units.csv, people.csv or households.csv as a file (a document), one or several. Each file is checked whole; if any line is wrong, nothing of it is applied. Send /done when finished; the import also ends after { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
} without a file.
import-download-failed = That file could not be fetched. Files up to { $max } MB can be imported; please try again.
import-finished = Import finished.
import-lapsed = The import ended after { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
} without a file. Send /import to load more.
import-applied = { $file } imported: { $created } new, { $updated } changed, { $unchanged } unchanged.
import-refused = { $file } was not imported: { $count ->
        [one] { $count } problem
       *[other] { $count } problems
    }, nothing was applied. Fix these lines and send it again:

## Admin console: oversight

open-none = No open requests in your units.
open-header = Open requests: { $count } ({ $overdue } overdue)
open-line = { $mark }{ $number } · { $building } · { $category } · { $status } · { $age } · { $assignee }
open-unassigned = nobody
open-more = …and { $count } more.
request-bad-number = Give a request number, e.g. /request 1042.
request-not-found = There is no request { $number }.
request-outside-scope = Request { $number } is outside the units you administer.
sensitive-hidden = [sensitive: shown only to admins of the community]
timeline-header = Timeline:
timeline-system = desk
assign-usage = Usage: /assign <number> <phone or name> <reason>, e.g. /assign 1042 13800000000 the liaison is in hospital
assign-no-person = Nobody matches “{ $who }”; give their phone number.
assign-not-responder = That person holds no responder role for this building, or has not linked their Telegram account.
assigned = Request { $number } reassigned.
assigned-by-office = 🔀 The community office has given you this request: { $reason }
event-followed-me-too = pressed "Me too"
event-followed-outage = reported during the known outage
event = { $kind ->
    [created] reported
    [routed] routed
    [unroutable] nobody to route to
    [accepted] accepted
    [declined] declined
    [cancelled] withdrawn
    [resolved] resolved
    [confirmed] confirmed fixed
    [reopened] reopened
    [rated] rated
    [auto_closed] closed automatically
    [relayed] message
    [assignee_away] assignee away
    [followed_up] followed up
    [offered_to_volunteers] offered to volunteers
    [claimed] claimed by a volunteer
    [warned] deadline warning
    [escalated] escalated to level
    [alerted_every_level] emergency alert to every level
    [reminded] reminder
    [reminders_exhausted] reminders exhausted
    [internal_note] internal note
    [taken_over] taken over
    [assignee_unreachable] assignee unreachable
    [forgotten] resident erased
    [reassigned] reassigned
    [assigned_by_admin] assigned by the office
    [timeline_viewed] timeline viewed
    [notification_undeliverable] notification undeliverable
    [followed] another household follows it
    [merged] merged as a duplicate into
    [merged_from] a duplicate was merged into it
    [unmerged] merge undone, handled on its own again; it had been merged into
    [outage_declared] declared a known outage of
    [outage_ended] known outage ended
    [recurring] linked to a recurring problem of its building
   *[other] { $kind }
}

## Admin console: statistics

stats-usage = Usage: /stats, /stats 7d, /stats 30d or /stats 90d.
stats-none = No requests in the last { $days ->
        [one] day
       *[other] { $days } days
    }.
stats-summary = Last { $days ->
        [one] day
       *[other] { $days } days
    }: { $total ->
        [one] { $total } request
       *[other] { $total } requests
    }
    Time to accept: { $accept }
    Time to resolve: { $resolve }
    Not yet resolved: { $open }
    Within the service level: { $within }
    Reopened: { $reopened }
    Average rating: { $rating } ({ $ratings ->
        [one] { $ratings } rating
       *[other] { $ratings } ratings
    })
stats-by-category = By category
stats-by-status = By status
stats-median = median { $time } over { $count ->
        [one] { $count } request
       *[other] { $count } requests
    }
stats-median-none = — (none yet)
stats-open = { $count ->
        [one] { $count } request, waiting for { $oldest }
       *[other] { $count } requests, the oldest waiting for { $oldest }
    }
stats-open-none = none
stats-within = { $decided ->
        [0] —
       *[other] { $share } ({ $met } of { $decided } whose deadline has come)
    }{ $running ->
        [0] {""}
       *[other] { " " }· { $running } still running
    }
stats-group = • { $name }: { $requests ->
        [one] { $requests } request
       *[other] { $requests } requests
    } · time to resolve: { $resolve } · not yet resolved: { $open } · within the service level: { $within }
stats-per-grid = Per grid:
stats-slowest = Slowest buildings (the median time to resolve, or the wait of the oldest request not yet resolved when that is longer)
stats-chart-title = Requests, last { $days ->
        [one] day
       *[other] { $days } days
    }
stats-chart-grid-resolve = Median hours to resolve (resolved requests), per grid
stats-chart-hours = { $hours } h
stats-chart-hours-open = { $hours } h, not yet resolved
stats-chart-caption = Statistics of the last { $days ->
        [one] day
       *[other] { $days } days
    }

## Admin console: notices

notice-choose-unit = Whose residents should receive the notice? Choose a unit, or type a building code or name.
notice-ask-text = Write the notice for the residents of { $unit } (text, at most { $max ->
        [one] { $max } character
       *[other] { $max } characters
    }). Never include details of anyone's request.
notice-ask-text-again = Write the notice as a text message, or /cancel.
notice-too-long = That is too long; a notice may have at most { $max ->
        [one] { $max } character
       *[other] { $max } characters
    }.
notice-preview = Preview — to { $recipients ->
        [one] { $recipients } registered resident
       *[other] { $recipients } registered residents
    } of { $unit }:
notice-confirm-again = Press Send under the preview, or Cancel.
notice-heading = 📢 Notice from the community office
notice-queued = Sending to { $recipients ->
        [one] { $recipients } resident
       *[other] { $recipients } residents
    }.
notice-progress = 📢 Notice to { $unit }: { $delivered } of { $total } delivered, { $unreachable } unreachable so far. { $acknowledged } said received.
notice-done = ✅ Notice to { $unit } finished: { $delivered } delivered, { $unreachable } unreachable, of { $total }. { $acknowledged } said received.
notice-acknowledged = Thank you, noted.
notice-already-acknowledged = Already noted, thank you.
button-send = 📢 Send
button-received = ✅ Received
button-refresh = 🔄 Refresh

## care: households, the building map, visits and their rounds
menu-visit = Record a visit to a household
menu-building = The building map of households
care-tag-elderly-alone = elderly, living alone
care-tag-empty-nest = empty nest
care-tag-disabled = disabled
care-tag-chronic-illness = chronic illness
care-tag-low-income = low income
care-tag-child-care = child care
care-tag-renter = renter
care-tag-vacant = vacant
care-tag-party-member = party member
visit-none = Visits are recorded by a building's liaison and deputy; you are neither for any building.
visit-no-households = No households of your buildings are loaded yet. An admin loads them with /import (households.csv).
visit-choose = Which household did you visit? { $due ->
        [0] None is due now.
        [one] One is due (⏰), listed first.
       *[other] { $due } are due (⏰), listed first.
    } You can also send /visit with the room, e.g. /visit 301.
visit-outcome = Room { $room } of building { $building }: how was the visit?
visit-all-well = ✅ All well
visit-needs-help = 🆘 Needs help
visit-nobody-home = 🚪 Nobody home
visit-moved-out = 📦 Moved out
visit-note-ask = Add a short note for the record, or press "No note".
visit-help-ask = What help is needed? Your words become a request from this household, sent to whoever handles it.
visit-no-note = No note
visit-recorded = Visit to room { $room } recorded: { $outcome }.
visit-request-made = Request { $number } was made for room { $room }.
visit-not-yours = Only the building's liaison and deputy record its visits.
visit-gone = That household is no longer listed.
visit-note-too-long = That is longer than { $max ->
        [one] one character
       *[other] { $max } characters
    }; please shorten it.
visit-unknown-room = There is no household { $room } in your buildings.
button-record-visit = 📝 Record a visit
building-ask = Which building? Send /building with its code, e.g. /building E01.
building-map-unknown = There is no building { $code }.
building-not-allowed = You may not see the households of building { $code }.
building-not-allowed-short = You may not see this household.
building-empty = No households of building { $code } are loaded yet.
building-map-title = Building { $code }
building-title = Building { $code }: { $households ->
        [one] one household
       *[other] { $households } households
    } (⏰ = visit due)
building-line = { $room } · { $tags } · { $residents ->
        [0] nobody registered
        [one] 1 resident registered
       *[other] { $residents } residents registered
    } · last visit: { $visit } · { $requests ->
        [0] no open request
        [one] 1 open request
       *[other] { $requests } open requests
    }
building-never = never
building-visit-hint = Press a room for its details and to record a visit.
building-floor = F
building-entrance = Ent.
building-mark-request = open request
building-mark-overdue = visit due
building-mark-alert = check-in alert
building-care-elderly = elderly alone
building-care-health = disability, illness
building-care-empty-nest = empty nest
building-care-other = other needs
building-care-vacant = vacant
building-care-nothing = nothing noted
household-detail = Room { $room }: { $members ->
        [0] nobody lives here
        [one] 1 person
       *[other] { $members } people
    }
    Tags: { $tags }
    Note: { $note }
care-due-list = Visits due this month: { $count ->
        [one] one household
       *[other] { $count } households
    }. Record each with /visit.
care-digest = Buildings of your estate under their visit target at the end of { $month }:
care-coverage-line = { $unit }: { $visited } of { $target ->
        [one] 1 household
       *[other] { $target } households
    } visited
stats-visits = Visit coverage this period:
stats-visits-estate = { $estate }: { $visited } of { $target ->
        [one] 1 household
       *[other] { $target } households
    } visited ({ $share })
privacy-care = Households: a building's liaison and deputy and the community's admins see the households of the building with their care tags and notes, loaded by the community; leaders above see only the tags that are not sensitive. Visits are kept { $care ->
        [one] one day
       *[other] { $care } days
    }. None of it appears in notices, exports or logs. /mydata includes your household and its visits; /forget removes your link to it.
## many: one problem, many reporters (issue 27)
status-merged = merged
card-households = 👥 { $households ->
        [one] { $households } household affected
       *[other] { $households } households affected
    }
metoo-offer = Open requests like yours nearby — is yours one of them? Press “Me too” to follow it instead of reporting it again.
metoo-offer-line = { $number } · { $at } · { $status } · { $households ->
        [one] { $households } household
       *[other] { $households } households
    }
    { $first }
button-me-too = 🙋 Me too: { $number }
button-mine-is-different = ✏️ Mine is different
metoo-following = You are following { $number } now, with { $households ->
        [one] { $households } household
       *[other] { $households } households
    } affected. You will hear every change, and be asked whether it is fixed.
metoo-already = You already follow { $number }.
reopened-by-follower = Your request { $number } is reopened: a neighbour who follows it says it is not fixed yet. Its responder will carry on.
follower-status = { $number }, which you follow, is now { $status }.
follower-passed = { $number }, which you follow, has passed to another responder; it is now { $status }.
follower-escalated = { $number }, which you follow, was not handled in time, so it has been passed up to the next level.
ask-still-fixed-follower = { $number }, which you follow, was closed a week ago. Is it still fixed for you?
ask-fixed-follower = { $number }, which you follow, has been handled: { $note }
    Is it fixed for you?
merge-usage = Usage: /merge <number> <into number>, e.g. /merge 1043 1042.
merge-missing = No such request here.
merge-not-allowed = Only whoever holds the request, or someone above them, may do that.
merge-same = A request cannot be a duplicate of itself.
merge-duplicate-finished = Only an open or accepted request can be merged.
merge-original-finished = The request to merge into must still be open or accepted.
merge-done = { $number } is merged into { $into }, which now affects { $households ->
        [one] { $households } household
       *[other] { $households } households
    }.
merge-told = Your request { $number } is now followed as { $into }. You will hear every change of it.
unmerge-usage = Usage: /unmerge <number>, e.g. /unmerge 1043.
unmerge-done = { $number } is handled on its own again, apart from { $into }.
unmerge-told = Your request { $number } is handled on its own again, no longer as { $into }.
unmerge-not-merged = That request is not merged.
unmerge-too-late = A merge can be undone only within { $days ->
        [one] { $days } day
       *[other] { $days } days
    }.
button-duplicate-of = 🔗 Duplicate of…
duplicate-choose = Which request is { $number } a duplicate of?
duplicate-none = No other open request of this kind in { $building } to merge { $number } into.
button-merge-into = → { $number }
outage-usage = Usage: /outage <number> [building…] declares a known outage of the estate (or of those buildings); /outage <number> off ends it.
outage-declared = { $number } is a known outage of { $units } now: new reports there follow it at once, without a new card.
outage-ended = { $number } is no longer a known outage.
outage-not-declared = { $number } is not a known outage.
outage-unknown-building = { $building } is not a building of this request's estate.
outage-sensitive = A request of a sensitive kind cannot be a known outage.
recurring-opened = 🔁 Recurring problem in { $building }: { $category } came back, { $requests ->
        [one] { $requests } request
       *[other] { $requests } requests
    } behind it. Please look at the cause rather than fixing each again:
recurring-line = { $number } · { $at } · { $status } · { $households ->
        [one] { $households } household
       *[other] { $households } households
    }
stats-problems-heading = 🔁 Recurring problems of the last 30 days, the most households first:
stats-problems-line = { $rank }. { $building } · { $category } · { $households ->
        [one] { $households } household
       *[other] { $households } households
    } · { $requests ->
        [one] { $requests } request
       *[other] { $requests } requests
    }
stats-problems-none = No recurring problems in the last 30 days.
sla-recurring = Recurring problems: { $requests ->
        [one] { $requests } request
       *[other] { $requests } requests
    } or more from at least { $households ->
        [one] { $households } household
       *[other] { $households } households
    } within { $days ->
        [one] { $days } day
       *[other] { $days } days
    }, or a new one within { $after ->
        [one] { $after } day
       *[other] { $after } days
    } after the last was closed. Change with /sla recurring <days> <requests> <households> <days after close>.
sla-estate-wide = Offered estate-wide: { $categories }. Change with /sla estatewide add|remove <category>.
sla-recurring-usage = Usage: /sla recurring <days> <requests> <households> <days after close>, e.g. /sla recurring 30 3 2 60.
outage-known = ⚠️ This is already known and being dealt with: you are following { $number } now, with { $households ->
        [one] { $households } household
       *[other] { $households } households
    } affected. You will hear every change, and when it is fixed.
menu-merge = Mark a request a duplicate of another
menu-unmerge = Undo a merge (within 7 days)
menu-outage = Declare a known outage
## demo: the page of `community-desk demo`

demo-title = Community desk · demo
demo-intro = Each phone is one person's private chat with the bot. The bot is the real one, connected to a Telegram built into this program: nothing reaches the real Telegram.
demo-other-language = 中文
demo-clock = Demo time
demo-forward-10m = +10 min
demo-forward-1h = +1 hour
demo-forward-1d = +1 day
demo-reset = Start over
demo-reset-confirm = Erase everything in the demo and start over?
demo-add-person = Add a person
demo-add-person-hint = A new resident scans the stairwell code of:
demo-part-resident = Resident
demo-part-liaison = Building liaison
demo-part-deputy = Deputy liaison
demo-part-group_leader = Estate group leader
demo-part-grid_leader = Grid leader
demo-part-admin = Community admin
demo-part-new_resident = New resident
demo-menu = Menu
demo-message = Message
demo-send = Send
demo-photo = Photo
demo-file = File
demo-photo-too-big = A photo may be at most 10 MB (Telegram's limit for bots); this one was not sent.
demo-file-too-big = A file may be at most 20 MB (Telegram's limit for bots); this one was not sent.

## The public Open311 feed
open311-address = { $estate }, building { $building }
open311-agency = { $role }, { $unit }
open311-note-open = Waiting to be accepted
open311-note-accepted = Being handled
open311-note-resolved = Resolved; waiting for the resident to confirm
open311-note-closed = Closed
open311-note-cancelled = Withdrawn by the resident
open311-note-merged = A duplicate; followed as #{ $number }
open311-contact = The community office, through the community's Telegram bot
## office dashboard: the Queues, Statistics, People and Export pages

office-queues-title = Queues
office-queues-soon = Breaching soon
office-queues-overdue = Overdue
office-queues-escalated = Escalated
office-queues-nobody = Nobody could take
office-queues-empty = None right now.
office-unassigned = nobody
office-column-number = Number
office-column-building = Building
office-column-category = Category
office-column-status = Status
office-column-due = Due
office-column-age = Waiting
office-column-assignee = With
office-column-description = Description
office-column-resident = Resident
office-column-created = Reported
office-column-name = Name
office-column-role = Role
office-column-unit = Unit
office-column-reachable = Reachable
office-column-away = Away
office-column-load = Holding
office-stats-title = Statistics
office-stats-period = { $days ->
        [one] Last day
       *[other] Last { $days } days
    }
office-stats-none = No requests in this period.
office-stats-total = Requests
office-stats-service = Within the service level
office-stats-to-accept = Median time to accept
office-stats-to-resolve = Median time to resolve
office-stats-reopen = Reopened
office-stats-rating = Average rating
office-stats-service-grids = Within the service level, by grid
office-stats-service-estates = Within the service level, by estate
office-stats-accept-grids = Median time to accept, by grid
office-stats-resolve-grids = Median time to resolve, by grid
office-stats-reopen-grids = Reopened after resolving, by grid
office-stats-rating-grids = Average rating, by grid
office-stats-met = met
office-stats-missed = missed
office-people-title = People
office-people-none = Nobody holds a role here yet.
office-people-unbound = no Telegram account yet
office-people-reachable = yes
office-people-unreachable = no (blocked the bot or left)
office-people-away = until { $until }
office-people-invite = Invite someone to a role
office-people-create = Create an invitation link
office-people-invited = { $days ->
        [one] Invitation link, valid for { $days } day; send it to the person you invite:
       *[other] Invitation link, valid for { $days } days; send it to the person you invite:
    }
office-people-refused = That role cannot be given on that unit.
office-export-title = Export
office-export-community-only = Exports are for admins of a whole community.
office-export-bad-date = Dates are written 2026-11-30.
office-export-explained = The requests reported in the period as CSV: no names, rooms or phones, and the descriptions of sensitive categories redacted.
office-export-from = From
office-export-to = To
office-export-download = Download CSV

## The office dashboard
menu-web = Sign in to the office dashboard
web-not-configured = The office dashboard is not set up on this desk (DESK_PUBLIC_URL is not set). Ask whoever runs the bot.
web-not-for-you = The office dashboard is for the community office and the grid and estate leaders. Everything you need is here in the chat.
web-link = Your sign-in link to the office dashboard (for you only; it works once, within { $minutes ->
    [one] one minute
   *[other] { $minutes } minutes
}):
    { $link }
office-community-title = The community
office-community-none = No buildings within your reach.
office-community-counts = { $count } open · { $overdue } late
office-state-overdue = overdue
office-state-waiting = waiting to be accepted
office-state-open = being handled
office-state-quiet = quiet
office-nav-community = Community
office-nav-queues = Queues
office-nav-stats = Statistics
office-nav-people = People
office-nav-export = Export
office-sign-out = Sign out
office-signed-out-title = Community office
office-signed-out = To open the office dashboard, send /web to the community's bot in Telegram and open the link it gives you. A link works once, for ten minutes.
office-link-refused = This sign-in link cannot be used: it was used already, it expired, or it is not a link the bot gave. Send /web to the bot for a new one.
office-refused = The form was out of date. Please try again.
office-assign-to = Give to
office-assign-reason = because
office-assign = Assign
office-assign-no-reason = Please give a reason: it goes on the record and to the new holder.
# Daily check-ins
checkin-not-resident = Daily check-ins are for residents of a building: register with /start first.
checkin-state-none = Daily check-ins: each day I greet you an hour before the time you choose, and you press “I'm fine” (or write me anything). If you don't, your building's liaison comes to knock on your door. By what time will you have checked in each day?
checkin-state-on = Daily check-ins are on: by { $time } every day. Choose another time below, or write /checkin pause 3, /checkin pause 2026-12-24 or /checkin off.
checkin-state-paused = Daily check-ins are paused until { $until }; then by { $time } again.
checkin-state-off = Daily check-ins are off. Choose a time to turn them on again.
checkin-on = Daily check-ins are on: by { $time } every day. I'll greet you an hour before.
checkin-paused = Daily check-ins are paused until { $until } (staying with family, say). They start again the day after.
checkin-off = Daily check-ins are off. /checkin turns them on again.
checkin-not-on = Daily check-ins are not on: /checkin turns them on.
checkin-bad-pause = Write /checkin pause 3 (days) or /checkin pause 2026-12-24 (a day within a year from today).
checkin-greeting = Good morning! Please press the button by { $time } so that we know you are fine.
button-checkin-fine = ✅ I'm fine
checkin-reminder = It is { $time }: please press “I'm fine”, or just write me anything.
checkin-reminder-second = You have not checked in yet today. Please press “I'm fine”: in half an hour your building's liaison will be asked to knock on your door.
checkin-thanks = Thank you, you have checked in for today.
checkin-nothing = Nothing is waiting for your check-in right now. Thank you!
checkin-knock = ⚠️ Please knock on room { $room }'s door ({ $building }): its resident has not checked in today.
checkin-knock-undelivered = ⚠️ Please knock on room { $room }'s door ({ $building }): this morning's greeting could not be delivered to its resident (Telegram was unreachable or the bot is blocked), so they could not check in.
checkin-knock-note = Note: { $note }
button-checkin-going = 🚶 I'm going
button-checkin-well = ✅ All well
button-checkin-help = 🆘 Needs help
button-checkin-nobody = 🚪 Nobody answers
button-checkin-hospital = 🏥 In hospital
button-checkin-away = 🧳 Away
checkin-going = Thank you for going to room { $room } ({ $building }). What did you find?
checkin-missed = { $name } (room { $room }, { $building }) has not checked in today; their building's liaison has been asked to knock on the door. If you spoke to them, press the button.
checkin-missed-undelivered = { $name } (room { $room }, { $building }) could not be greeted this morning (Telegram was unreachable or the bot is blocked); their building's liaison has been asked to knock on the door. If you spoke to them, press the button.
button-checkin-spoke = ☎️ I spoke to them
checkin-nobody-answered = Nobody answers at room { $room } ({ $building }) after a missed check-in. Please try to reach its resident.
checkin-all-clear = All clear: the resident of room { $room } ({ $building }) is fine.
checkin-closed = Recorded: { $outcome }. Thank you.
checkin-outcome-late = checked in late
checkin-outcome-away = away
checkin-outcome-needed_help = needed help
checkin-outcome-hospital = in hospital
checkin-outcome-nobody_answered = nobody answered
checkin-help-description = Missed daily check-in: the liaison at the door found that the resident needs help.
checkin-stale = This alert is closed, or someone else is going.
checkin-spoke-done = Recorded: you checked in on their behalf after speaking to them. Thank you.
checkin-proposal = Your building's liaison proposes daily check-ins by { $time }: each day I greet you an hour before, and if you don't answer, your liaison comes to knock. Do you want them?
button-checkin-accept = Yes, please
button-checkin-decline = No, thank you
checkin-declined = Fine: no daily check-ins. /checkin turns them on whenever you like.
checkin-proposal-gone = That proposal is no longer open.
checkin-propose-usage = Write /checkin propose 301 9 (room, hour) to propose daily check-ins to the residents of a room of your building.
checkin-proposed = Proposed to the residents of room { $room }; they decide.
checkin-propose-nobody = Nobody registered lives in room { $room } of a building you visit.
button-propose-checkins = 🔔 Propose daily check-ins
checkin-propose-hour = By what hour should the residents of room { $room } check in each day? They will be asked, and nothing starts unless they accept.
checkin-propose-none-left = Every registered resident of room { $room } has daily check-ins already, or nobody is registered there.
family-link = Send this link to one relative. Opening it links them to you once: they are alerted if you miss a check-in, and may check in for you after speaking to you.
    { $link }
family-linked = You are now linked to { $name }: you'll be told if they miss a daily check-in.
family-linked-resident = { $name } is now linked to you as family.
family-link-invalid = This family link was used already or is not valid.
privacy-checkin = Daily check-ins: only if you turn them on (or accept your liaison's proposal). We keep the hour you chose and, for each day, when you were greeted, when you checked in and how an alert ended, for { $care ->
        [one] one day
       *[other] { $care } days
    }. If you miss one, your building's liaison (and those above, if nobody goes), your linked family and your group leader learn it: nobody else, never in notices, exports or logs. /mydata includes them and your family links; /forget erases them.
menu-checkin = Daily check-ins: I'm fine
menu-family = Link a relative to my check-ins
checkin-alerts-stats = Check-in alerts in this period: { $total ->
        [one] one
       *[other] { $total }
    } ({ $text }); those that ended in a late check-in were false alarms.
office-column-closed = Closed
office-building-title = Building { $code }
office-building-people = Liaison and deputy
office-building-nobody = Nobody holds the liaison's or the deputy's role here.
office-building-households = Households
office-building-registered = { $known ->
        [one] { $count } of { $known } household registered with the bot
       *[other] { $count } of { $known } households registered with the bot
    }
office-building-residents = { $count ->
        [one] { $count } resident registered
       *[other] { $count } residents registered
    }
office-building-open = Open requests
office-building-recent = { $days ->
        [one] Closed in the last day
       *[other] Closed in the last { $days } days
    }
office-building-none-recent = None closed lately.
office-building-problems = { $days ->
        [one] Problems that keep coming back (last day)
       *[other] Problems that keep coming back (last { $days } days)
    }
office-building-no-problems = None.
office-building-problem = { $count ->
        [one] { $count } request
       *[other] { $count } requests
    } from { $households ->
        [one] { $households } household
       *[other] { $households } households
    }
office-take-over = Take it over myself
office-note = Internal note (for responders and the office, never the resident)
office-note-add = Add the note
office-note-added = The note is on the record.
office-note-empty = The note was empty.
office-attachment-photo = Photo
office-attachment-document = Document
office-building-no-households = No households known yet (households.csv)
