//! A request's page: its card, its attachments, its whole timeline with
//! times and who, and what the viewer may do — give it to a responder on its
//! chain with a reason (the same use case and events as `/assign` in chat),
//! take it over, write an internal note. Whoever gets it gets its card in
//! chat.

use i18n_embed_fl::fl;
use maud::{Markup, html};

use super::body::Viewer;
use crate::app::App;
use crate::app::admin::{self, AdminAssignOutcome, Authority, NoteOutcome};
use crate::app::requests::{self, TakeOverOutcome};
use crate::domain::{Attachment, PersonId, RequestId, RequestNumber, UnitId};
use crate::store::Tx;
use crate::telegram::delivery::outgoing::Outbox;
use crate::telegram::office::oversight;
use crate::telegram::render;

/// The request numbered `number` if the authority covers its building.
pub async fn find(tx: &mut Tx, authority: &Authority, number: &str) -> anyhow::Result<Option<(RequestId, UnitId)>> {
    let Ok(number) = RequestNumber::parse(number) else { return Ok(None) };
    let found = tx.requests_numbered(number).await?;
    Ok(found.into_iter().find(|(_, building)| authority.covers(*building)))
}

/// The page, with the outcome of an action just taken on top.
pub async fn page(
    tx: &mut Tx,
    authority: &Authority,
    viewer_person: PersonId,
    viewer: &Viewer<'_>,
    found: (RequestId, UnitId),
    csrf: &str,
    outcome: Option<String>,
) -> anyhow::Result<Option<Markup>> {
    let l = viewer.l;
    let (id, building) = found;
    let Some(mut view) = tx.request_view(id).await? else { return Ok(None) };
    let hide = view.category.is_sensitive() && !authority.sees_sensitive(building);
    if hide {
        view.description = fl!(l, "sensitive-hidden");
    }
    let timeline = admin::view_timeline(tx, id, viewer_person, !hide, viewer.now_ms()).await?;
    let may_take_over = requests::may_take_over(tx, id, viewer_person, viewer.now).await?;
    let attachments = if hide { &[][..] } else { &view.attachments[..] };
    let mut responders = Vec::new();
    if view.status.is_active() {
        for level in tx.routing_chain(building, Some(id), viewer.now_ms()).await? {
            for candidate in
                level.candidates.iter().filter(|c| c.bound && c.reachable && c.role.routing_rank().is_some())
            {
                if responders.iter().any(|(p, _)| *p == candidate.person) {
                    continue;
                }
                let name = tx.person(candidate.person).await?.map(|p| p.name).unwrap_or_default();
                responders.push((candidate.person, format!("{name} · {}", render::role(l, candidate.role))));
            }
        }
    }
    Ok(Some(html! {
        h1 { (view.number.to_string()) }
        @if let Some(outcome) = outcome { p.outcome { (outcome) } }
        pre.card { (render::card_text(l, &view)) }
        @if !attachments.is_empty() {
            ul.attachments {
                @for (position, attachment) in attachments.iter().enumerate() {
                    li { (attachment_view(l, view.number, position, attachment)) }
                }
            }
        }
        @if may_take_over {
            form.take-over method="post" action={"/office/requests/" (view.number.0) "/take-over"} {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { (fl!(l, "office-take-over")) }
            }
        }
        @if !responders.is_empty() {
            form.assign method="post" action={"/office/requests/" (view.number.0) "/assign"} {
                input type="hidden" name="csrf" value=(csrf);
                label { (fl!(l, "office-assign-to")) " "
                    select name="to" { @for (person, label) in &responders { option value=(person.0) { (label) } } }
                }
                " "
                label { (fl!(l, "office-assign-reason")) " " input type="text" name="reason" required maxlength="500"; }
                " "
                button type="submit" { (fl!(l, "office-assign")) }
            }
        }
        form.note method="post" action={"/office/requests/" (view.number.0) "/note"} {
            input type="hidden" name="csrf" value=(csrf);
            label { (fl!(l, "office-note")) " "
                textarea name="note" rows="2" cols="60" required maxlength=(admin::NOTE_MAX_CHARS) {}
            }
            " "
            button type="submit" { (fl!(l, "office-note-add")) }
        }
        h2 { (fl!(l, "timeline-header")) }
        ol.timeline {
            @for entry in &timeline {
                li {
                    time { (viewer.moment(entry.at)) } " · "
                    (entry.actor.clone().unwrap_or_else(|| fl!(l, "timeline-system"))) " · "
                    (render::event(l, &entry.event, &entry.names, hide))
                }
            }
        }
    }))
}

/// What the assign form asks: give `request` to `to` for `reason`.
pub struct Asked<'a> {
    pub request: RequestId,
    pub to: PersonId,
    pub reason: &'a str,
}

/// Gives the request as asked; what to tell the office.
pub async fn assign(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    actor: PersonId,
    viewer: &Viewer<'_>,
    asked: Asked<'_>,
) -> anyhow::Result<String> {
    let l = viewer.l;
    let (id, to) = (asked.request, asked.to);
    let reason: String = asked.reason.trim().chars().take(500).collect();
    if reason.is_empty() {
        return Ok(fl!(l, "office-assign-no-reason"));
    }
    let policy = app.policy(tx).await?;
    Ok(match admin::assign(tx, id, actor, to, &reason, &policy, viewer.now).await? {
        AdminAssignOutcome::Assigned { request, previous } => {
            oversight::tell_assigned(app, tx, out, &request, to, previous, &reason).await?;
            fl!(l, "assigned", number = request.number.to_string())
        }
        AdminAssignOutcome::NotAResponder => fl!(l, "assign-not-responder"),
        AdminAssignOutcome::NoLongerOpen(request) => {
            fl!(l, "no-longer-open", status = render::status(l, request.status))
        }
        AdminAssignOutcome::Missing => fl!(l, "office-refused"),
    })
}

/// The link to attachment `position` of request `number`.
pub fn attachment_href(number: RequestNumber, position: usize) -> String {
    format!("/office/requests/{}/attachments/{position}", number.0)
}

/// An attachment as the page shows it: photos as pictures, voice and video
/// as players, documents as a download, a location as its coordinates.
fn attachment_view(
    l: &i18n_embed::fluent::FluentLanguageLoader,
    number: RequestNumber,
    position: usize,
    attachment: &Attachment,
) -> Markup {
    let href = attachment_href(number, position);
    html! {
        @match attachment {
            Attachment::Photo { .. } => {
                a href=(href) { img src=(href) alt=(fl!(l, "office-attachment-photo")) loading="lazy"; }
            }
            Attachment::Voice { .. } => { audio controls preload="none" src=(href) {} }
            Attachment::Video { .. } => { video controls preload="none" src=(href) {} }
            Attachment::Document { .. } => { a href=(href) download { (fl!(l, "office-attachment-document")) } }
            Attachment::Location { latitude, longitude } => {
                a href={"geo:" (latitude) "," (longitude)} { "📍 " (format!("{latitude:.5}, {longitude:.5}")) }
            }
        }
    }
}

/// An attachment the viewer may open: its file id and the type to serve it
/// as. Attachments of a sensitive request are only for those who may read
/// its details.
pub async fn attachment(
    tx: &mut Tx,
    authority: &Authority,
    found: (RequestId, UnitId),
    position: usize,
) -> anyhow::Result<Option<(String, &'static str)>> {
    let (id, building) = found;
    let Some(view) = tx.request_view(id).await? else { return Ok(None) };
    if view.category.is_sensitive() && !authority.sees_sensitive(building) {
        return Ok(None);
    }
    Ok(view.attachments.into_iter().nth(position).and_then(|attachment| match attachment {
        Attachment::Photo { file_id } => Some((file_id, "image/jpeg")),
        Attachment::Voice { file_id } => Some((file_id, "audio/ogg")),
        Attachment::Video { file_id } => Some((file_id, "video/mp4")),
        Attachment::Document { file_id } => Some((file_id, "application/octet-stream")),
        Attachment::Location { .. } => None,
    }))
}

/// Takes the request over for the viewer; what to tell them.
pub async fn take_over(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    actor: PersonId,
    viewer: &Viewer<'_>,
    request: RequestId,
) -> anyhow::Result<String> {
    let l = viewer.l;
    let previous = requests::involved(tx, request).await?;
    let policy = app.policy(tx).await?;
    Ok(match requests::take_over(tx, request, actor, &policy, viewer.now).await? {
        TakeOverOutcome::Taken(request) => {
            oversight::tell_taken_over(app, tx, out, &request, actor, &previous).await?;
            fl!(l, "taken-over")
        }
        TakeOverOutcome::NoLongerOpen(request) => fl!(l, "no-longer-open", status = render::status(l, request.status)),
        TakeOverOutcome::NotAllowed => fl!(l, "not-yours"),
        TakeOverOutcome::Missing => fl!(l, "office-refused"),
    })
}

/// Writes an internal note on the request; what to tell the viewer.
pub async fn note(
    tx: &mut Tx,
    actor: PersonId,
    viewer: &Viewer<'_>,
    request: RequestId,
    note: &str,
) -> anyhow::Result<String> {
    let l = viewer.l;
    Ok(match admin::add_note(tx, request, actor, note, viewer.now_ms()).await? {
        NoteOutcome::Added => fl!(l, "office-note-added"),
        NoteOutcome::Empty => fl!(l, "office-note-empty"),
        NoteOutcome::Missing => fl!(l, "office-refused"),
    })
}
