# community-desk — 简体中文（默认语言）
# 每条消息在 en/community_desk.ftl 中都有同名条目；测试会检查两者一致。

## 欢迎与注册

welcome = 您好！这里是社区服务台（365天暖心服务）。
    居民可以在这里报修、求助，我们会把您的需求交给您所在楼栋的楼栋长，并跟进到底。
    请选择：
welcome-back = 欢迎回来！您登记的住址是 { $building }。
    报修或求助请发送 /new，查看进度请发送 /my。
welcome-building = 您好！您扫描的是 { $building } 的二维码。
button-register-resident = 🏠 我是居民，登记住址
button-register-staff = 🤝 我是志愿者 / 社区工作人员
ask-language = 请选择语言 / Please choose a language:
language-set = 已切换为简体中文。
ask-building = 请发送您所在楼栋的编号（楼道二维码贴纸上印有编号，例如 E01）。
building-chosen = 楼栋：{ $building }。
building-unknown = 没有找到楼栋“{ $typed }”。请核对楼道二维码贴纸上的编号后重新发送。
building-suggest = 没有找到楼栋“{ $typed }”。您是不是要找：
building-link-unknown = 这个二维码对应的楼栋不在名册中，请手动输入楼栋编号。
ask-room = 请发送您的房间号（例如 302），也可以跳过。
room-invalid = 房间号不太对：请使用数字、字母或“-”，最多 { $max } 个字符。
ask-phone = 是否愿意留下手机号，方便楼栋长联系您？点击下方按钮分享，或点击“跳过”。
ask-staff-phone = 请点击下方按钮分享您的手机号。如果社区名册中有您的号码，您将自动获得相应的职责。
button-share-phone = 📱 分享我的手机号
button-skip = 跳过
phone-skipped = 好的，不留手机号。
phone-saved = 手机号已保存。
phone-invalid = 这个手机号无法识别。
phone-taken = 这个手机号已绑定到另一个 Telegram 账号。如有疑问，请联系社区办公室。
contact-not-own = 请用下方按钮分享您自己的手机号，而不是转发别人的联系人。
roles-bound = 已确认您的身份。您现在负责：
    { $roles }
    有新的需求时，我们会在这里通知您。
ask-privacy = 隐私说明：我们保存您的楼栋、房间号、手机号（如果您提供）和您的报修记录，仅用于处理您的需求；只有处理人员能看到您的详细信息。详见 /privacy。
    是否同意？
button-privacy-accept = 同意
button-privacy-decline = 不同意
privacy-declined = 好的，我们不会保存您的住址。需要时可随时发送 /start 重新登记。
registered = 登记完成！您的住址：{ $building }。
    报修或求助请发送 /new，查看进度请发送 /my。
register-first = 报修之前需要先登记您的住址。

## 报修

ask-category = 请选择需求类别：
ask-description = 请描述问题。可以发送文字、照片、语音、视频、文件或位置，可以发多条。全部发送后请点击“完成”。
description-added = 已收到。还可以继续补充，全部发送后请点击“完成”。
description-empty = 请先描述一下问题。
description-unsupported = 这种消息无法保存。请发送文字、照片、语音、视频、文件或位置。
description-too-long = 描述太长了：最多 { $max } 个字。
too-many-attachments = 附件太多了：最多 { $max } 个。
ask-urgency = 情况有多紧急？
ask-edit = 要修改哪一项？
report-summary = 请确认您的需求：
    类别：{ $category }
    紧急程度：{ $urgency }
    描述：{ $description }
emergency-numbers = ⚠️ 如有危险，请立即拨打：报警 110，火警 119，急救 120。
    我们也会同时通知社区各级负责人。
report-received = 已收到您的需求 { $number }。您的{ $responder }已收到通知，应在{ $deadline }前接单。有人接单时我们会告诉您。
report-received-closed = 已收到您的需求 { $number }。现在是服务时间以外，服务台开门后您的{ $responder }会处理，最晚在{ $deadline }前接单。紧急情况请拨打 110 / 119 / 120。有人接单时我们会告诉您。
report-received-unassigned = 已收到您的需求 { $number }。暂时没有可接单的负责人，社区会尽快安排，有人接单时我们会告诉您。
report-abandoned = 已取消，什么都没有发送。
too-many-open = 您已有 { $max } 个未完成的需求。请等其中一个处理完毕后再提交新的需求。
button-done = ✅ 完成
button-confirm = ✅ 提交
button-edit = ✏️ 修改
button-cancel = ✖️ 取消
button-edit-category = 类别
button-edit-description = 描述
button-edit-urgency = 紧急程度

## 类别、紧急程度、状态、角色

category-property = 物业服务
category-household = 家政服务
category-renovation = 老旧小区改造
category-dispute = 矛盾调解
category-volunteer = 志愿帮扶
category-social-org = 社会组织服务
category-elderly = 养老服务
category-childcare = 托幼服务
category-other = 其他
urgency-emergency = 紧急（危险）
urgency-urgent = 急
urgency-normal = 一般
urgency-complex = 复杂
urgency-emergency-hint = 🚨 紧急：起火、燃气味、有人摔倒
urgency-urgent-hint = ❗ 急：停水、停电、停暖，独居老人需要帮助
urgency-normal-hint = 一般：大多数问题
urgency-complex-hint = 复杂：改造、纠纷等需要较长时间的事
status-open = 待接单
status-accepted = 处理中
status-resolved = 已处理，待确认
status-closed = 已完成
status-cancelled = 已取消
role-liaison = 楼栋长
role-deputy = 副楼栋长
role-group-leader = 片区组长
role-grid-leader = 网格长
role-admin = 社区工作人员
role-volunteer = 志愿者
duration-minutes = { $n } 分钟
duration-hours = { $n } 小时
duration-days = { $n } 天
date = { $month }月{ $day }日（周{ $weekday ->
        [1] 一
        [2] 二
        [3] 三
        [4] 四
        [5] 五
        [6] 六
       *[7] 日
    }）
date-year = { $year }年{ date }
date-at = { $date }{ $time }
date-today = 今天 { $time }
date-tomorrow = 明天 { $date }{ $time }
date-yesterday = 昨天 { $time }

## 工单卡片（发给负责人）

card = 🔔 需求 { $number } · { $category } · { $urgency }
    位置：{ $estate } { $building }，{ $room }
    状态：{ $status }

    { $description }
card-no-room = 未填房间号
card-attachments = 📎 附件 { $count } 个
card-declined = 您已转交需求 { $number }。
card-now-with = 现由{ $responder }处理。
card-now-with-nobody = 暂时还没有人接手。
button-accept = ✅ 接单
button-decline = ↪️ 转交
accepted = 已接单。
already-accepted = 这个需求已经有人接单了。
declined = 已转交给下一位负责人。
no-longer-open = 这个需求现在的状态是：{ $status }，无法再操作。
not-yours = 这个需求没有分配给您。
resident-accepted = 您的需求 { $number } 已由您的{ $responder }接单，正在处理中。

## 我的需求

my-header = 您最近的需求：
my-line = { $number } · { $category } · { $status } · { $date }
my-none = 您还没有提交过需求。发送 /new 开始。
my-line-following = { $line } · 您关注的
my-merged-into = 已合并，现作为 { $into } 关注

## 通用

help = 可用的命令：
    /new — 报修或求助
    /my — 查看我的需求
    /start — 登记或修改住址
    /cancel — 退出当前操作
    /lang — 切换语言
    /privacy — 隐私说明
help-responder = 负责人命令：接单、转交请直接点击需求卡片上的按钮。
privacy-notice = 我们保存什么：您的 Telegram 账号编号、姓名、语言、楼栋和房间号、您愿意提供的手机号，以及您的需求和处理记录。
    谁能看到：只有处理您需求的负责人和社区工作人员；矛盾调解、养老、托幼类需求的详情不会出现在通知、群聊或导出文件中。
    保存多久：需求完成后保留 { $retention } 天，之后匿名化，仅用于统计。您发给机器人的消息处理后保留 { $updates } 天，机器人发给您的消息发出后保留 { $messages } 天。
cancelled = 已退出。
nothing-to-cancel = 当前没有进行中的操作。
nothing-to-finish = 当前没有需要结束的操作。
no-dialogue = 我没太明白，这条消息也没有转给任何人：目前没有人在等您的回复。报修或求助请发送 /new；查看自己的需求或补充内容请发送 /my；其它命令见 /help。
unexpected-input = 这一步需要您点击上面的按钮或按提示回答。
still-in-dialogue = 您还有一项操作没有完成（发送 /cancel 可以退出）：
unknown-command = 没有这个命令。可用的命令见 /help。
button-stale = 这个按钮属于之前的步骤。我们现在在这一步：
button-expired = 这个按钮已经失效了。
button-unknown = 无法识别这个按钮。
invitation-invalid = 这个邀请链接无效或已过期。请向社区工作人员索取新的链接。
internal-error = 抱歉，处理您的消息时出了问题。请稍后再试，或联系社区办公室。

## 命令菜单

menu-new = 报修或求助
menu-my = 我的需求
menu-start = 登记住址
menu-help = 帮助
menu-cancel = 退出当前操作
menu-lang = 切换语言
menu-privacy = 隐私说明

## 升级与提醒

deadline-warning = ⏰ 需求 { $number } 快到时限了，请尽快处理。
escalated-heading = ⬆️ 这个需求的{ $responder }没有按时处理，已升级给您。请接手或转派。
escalated-heading-unassigned = ⬆️ 这个需求暂时无人处理，已升级给您。请接手或转派。
resident-escalated = 您的需求 { $number } 还没有人按时处理，我们已经把它交给了上一级负责人。
reminder-heading = 🔁 第 { $n } 次提醒：需求 { $number } 仍未处理。
looked-at-from = 现在是服务时间以外，您的需求将从 { $at } 开始处理。紧急情况请拨打 110 / 119 / 120。
button-take-over = 🙋 我来接手
button-reassign = 🔀 转派
taken-over = 已由您接手。
taken-over-in-office = 您已在社区办公室页面接手此诉求，现在由您处理。
taken-over-from-you = 需求 { $number } 已由上级负责人接手，您不用再处理了。
reassign-choose = 把需求 { $number } 转派给：
reassign-nobody = 目前没有可以转派的负责人。
reassigned = 已转派。
reassigned-to-you = 🔀 这个需求已转派给您。

## 服务时限（管理员）

admins-only = 这个命令只有社区管理员可以使用。
community-admins-only = 只有社区一级的管理员可以执行此操作（服务时限、导出）。
sla-header = 服务时限（接单 / 办结）：
sla-line = { $urgency }：{ $accept }内接单，{ $resolve }内办结（{ $clock }）
sla-service-hours = 仅服务时间 08:00–21:00 计时
sla-around-the-clock = 全天计时
sla-no-holidays = 没有设置节假日。
sla-holidays = 节假日（服务时间计时暂停）：{ $dates }
sla-usage = 修改：/sla set <紧急程度> accept|resolve <时长>，例如 /sla set normal accept 45m
    节假日：/sla holiday add 2026-10-01，/sla holiday remove 2026-10-01
    志愿者认领：/sla pool add elderly，/sla pool remove elderly
sla-changed = 已修改。
sla-bad-urgency = 紧急程度应为以下之一：{ $expected }
sla-bad-duration = 无法识别时长“{ $value }”。请写成 45m、3d、1h30m 这样的形式（s 秒、m 分、h 小时、d 天），最长一年。
sla-zero-duration = 时限必须大于零。请写成 45m、3d、1h30m 这样的形式。
sla-duration-too-long = “{ $value }”超过了一年；时限最长为一年。
sla-bad-date = 无法识别日期“{ $value }”。请写成 2026-10-01 这样的形式。
duration-seconds = { $n } 秒
emergency-heading = 🚨 紧急需求：社区各级负责人已同时收到通知。如楼栋长未能及时处理，请接手或转派。

## 限流与隐私

slow-down = 您发送得太快了。请稍等一分钟再继续，一分钟内最多处理 20 条消息。
slow-down-button = 太快了，请稍等一分钟。
mydata-sent = 这是我们保存的关于您的全部信息。
forget-confirm = 确定要删除您的身份信息吗？您的姓名、手机号、住址和需求描述都会被删除，未完成的需求会被取消；需求记录将匿名保留，仅用于统计。此操作无法撤销。
button-forget = 删除我的信息
button-keep = 保留
forgotten = 已删除。关于您的身份信息都已清除。如需再次使用，请发送 /start。
forget-kept = 好的，什么都没有删除。
button-cancel-request = ✖️ 撤销 { $number }
request-cancelled = 需求 { $number } 已撤销。
request-cancelled-by-resident = 需求 { $number } 已被居民撤销，不用再处理了。

## 处理、确认、评价

ask-decline-reason = 为什么转交需求 { $number }？
decline-not-my-building = 不是我负责的楼栋
decline-not-my-kind = 不是我能处理的问题
decline-away = 我现在不在
decline-other = 其他原因……
ask-decline-note = 请简单写一下转交的原因。
button-resolve = ✅ 已处理完
ask-resolve-note = 请简单写一下做了什么（会转告居民）。
resolved = 需求 { $number } 已标记为处理完，正在等居民确认。
ask-fixed = 您的需求 { $number } 已处理：{ $note }
    问题解决了吗？
button-fixed-yes = 👍 解决了
button-fixed-no = 👎 还没有
ask-reopen-reason = 请说一下还有什么问题，我们会转告负责人。
reopened = 需求 { $number } 已重新打开，负责人会继续处理。
reopened-heading = ↩️ 居民说问题还没有解决：{ $reason }
reopened-heading-follower = ↩️ 关注此诉求的一位邻居说问题还没有解决：{ $reason }
ask-rating = 谢谢确认！请为需求 { $number } 的处理打分：
rated = 谢谢您的评价！
already-rated = 这个需求已经评过分了。
thanks = 谢谢！
resident-confirmed = 居民确认需求 { $number } 已解决。
resident-rated = 居民为需求 { $number } 打了 { $stars } 星。
auto-closed = 您的需求 { $number } 处理后三天没有收到您的确认，已自动完成。如果问题还在，请发送 /new 重新报告。
tasks-none = 您手上没有待处理的需求。
tasks-header = 您有 { $count } 个待处理的需求（已超时的在前）：

## 沟通与请假

button-reply = 💬 回复
button-add-info = 💬 补充 { $number }
ask-relay = 请发送要转达的内容（文字、照片、语音或文件）。
relayed = 💬 { $number } · { $from }：
    { $text }
from-resident = 居民
relay-sent-to-responder = 已转达给 { $number } 的{ $responder }。
relay-sent-to-resident = 已转达给 { $number } 的居民。
reply-which = 这条消息是关于哪个需求的？选好后就会转达。
button-reply-to = { $number } · { $category }
responders-only = 这个命令只有负责人可以使用。
away-usage = 用法：/away（直到发送 /back），/away 3（3 天），或 /away 2026-12-01（到当天结束）。
away-set = 已设置为不在，直到 { $until }。新的需求会交给您的副手或上一级{ $moved ->
        [0] 。
       *[other] ；{ $moved } 个待接单的需求已转给他们。
    }发送 /back 恢复。
back-set = 欢迎回来！新的需求会重新交给您。
ask-still-fixed = 一周前完成的需求 { $number }，问题还好吗？
button-claim = 🙋 我来帮忙
volunteer-offer = 🤝 志愿帮扶需求，谁先认领谁来处理：
claimed = 已认领，谢谢您！
claimed-by-another = 需求 { $number } 已由其他志愿者认领，谢谢！
claimed-from-you = 需求 { $number } 已由志愿者认领并处理，您无需再跟进。

## 导出

export-usage = 用法：/export，/export 2026-11-01，或 /export 2026-11-01 2026-11-30（按本地日期，含首尾两天）。
export-sent = 已导出 { $rows } 条需求（不含居民姓名和电话，敏感类别的描述已隐去）。
sla-pool = 同时发给志愿者认领的类别：{ $categories }
sla-bad-category = 类别应为以下之一：{ $expected }

## Command menu (roles)

menu-mydata = 导出我的全部数据
menu-forget = 删除我的全部数据
menu-tasks = 我的待办
menu-away = 我要离开几天（由副手代理）
menu-back = 我回来了
menu-open = 未完成的需求（超时在前）
menu-request = 查看需求完整记录
menu-assign = 指派需求
menu-stats = 统计与图表
menu-sla = 服务时限与节假日
menu-invite = 邀请人员担任角色
menu-people = 负责人名单
menu-broadcast = 向居民发通知
menu-export = 导出需求 CSV
menu-import = 导入 units.csv / people.csv / households.csv
menu-done = 结束 /import

## Admin console: directory and invitations

level-community = 社区
level-grid = 网格
level-estate = 小区
level-building = 楼栋
people-header = 负责人名单（⚪ = 尚未绑定 Telegram 账号）：
people-from-config = 🔑 = 仅因 ADMIN_IDS 列出其 Telegram 账号而成为管理员。如果名单里也有这个人（⚪），在他向机器人分享手机号之前会显示为两行（发送 /start，再选“我是志愿者 / 社区工作人员”）；分享后两行合并为一行。
people-none = 这里还没有人担任角色。
people-usage = /people [单位] 查看负责人；/people add <角色> <单位> <手机号> [姓名] 和 /people remove <角色> <单位> <手机号> 修改。单位可以是楼栋编号，或名称如 第一网格、第一网格/绿杨东苑。
people-bad-role = 角色必须是以下之一：{ $expected }
role-wrong-level = { $role }只能设在{ $level }上。
role-granted = 已完成：现为{ $unit }的{ $role }。
role-revoked = 已完成：不再是{ $unit }的{ $role }。
role-already-held = 已经是{ $unit }的{ $role }，无变化。
role-not-held = 没有这个手机号的{ $unit }{ $role }，无变化。
unit-unknown = 没有“{ $unit }”这个单位。请使用楼栋编号，或名称如 第一网格/绿杨东苑。
unit-outside-scope = “{ $unit }”不在您管理的范围内。
unit-ambiguous = 有多个单位叫“{ $unit }”，请写成路径，例如 { $example }。
invite-usage = 用法：/invite <角色> <单位>，例如 /invite liaison E01。角色：liaison、deputy、group_leader、grid_leader、admin、volunteer。
invite-created = 邀请担任{ $unit }的{ $role }。此链接只能使用一次，{ $days } 天后失效；请发给对方：
    { $link }
invitation-accepted = 欢迎！您现在是{ $unit }的{ $role }。
import-ask = 请以文件形式发送 units.csv、people.csv 或 households.csv，可以连续发送多个。每个文件整体校验；任何一行有误，整个文件都不会导入。全部发完后发送 /done；超过 { $minutes } 分钟没有收到文件，导入也会自动结束。
import-download-failed = 无法获取这个文件。最大可导入 { $max } MB 的文件，请重试。
import-finished = 导入已结束。
import-lapsed = 已经 { $minutes } 分钟没有收到文件，导入已自动结束。如需继续导入，请重新发送 /import。
import-applied = { $file } 已导入：新增 { $created }，更新 { $updated }，未变 { $unchanged }。
import-refused = { $file } 未导入：共 { $count } 处问题，什么都没有改动。请修改以下各行后重新发送：

## Admin console: oversight

open-none = 您管理的范围内没有未完成的需求。
open-header = 未完成的需求：{ $count } 件（超时 { $overdue } 件）
open-line = { $mark }{ $number } · { $building } · { $category } · { $status } · { $age } · { $assignee }
open-unassigned = 无人负责
open-more = ……还有 { $count } 件。
request-bad-number = 请给出需求编号，例如 /request 1042。
request-not-found = 没有需求 { $number }。
request-outside-scope = 需求 { $number } 不在您管理的范围内。
sensitive-hidden = [敏感内容：仅社区一级管理员可见]
timeline-header = 处理记录：
timeline-system = 系统
assign-usage = 用法：/assign <编号> <手机号或姓名> <原因>，例如 /assign 1042 13800000000 楼栋长住院了
assign-no-person = 找不到“{ $who }”；请提供手机号。
assign-not-responder = 此人在这栋楼的负责链上没有角色，或尚未绑定 Telegram 账号。
assigned = 需求 { $number } 已改派。
assigned-by-office = 🔀 社区办公室把这个需求交给了您：{ $reason }
event-followed-me-too = 点了“我也是”
event-followed-outage = 已知故障期间上报
event = { $kind ->
    [created] 提交
    [routed] 派单
    [unroutable] 无人可派
    [accepted] 接单
    [declined] 拒单
    [cancelled] 撤回
    [resolved] 办结
    [confirmed] 确认已解决
    [reopened] 重新打开
    [rated] 评价
    [auto_closed] 自动关闭
    [relayed] 留言
    [assignee_away] 负责人外出
    [followed_up] 回访
    [offered_to_volunteers] 推送给志愿者
    [claimed] 志愿者认领
    [warned] 时限提醒
    [escalated] 升级到第几级
    [alerted_every_level] 紧急情况通知各级
    [reminded] 催办
    [reminders_exhausted] 催办次数已满
    [internal_note] 内部备注
    [taken_over] 上级接手
    [assignee_unreachable] 负责人无法联系
    [forgotten] 居民资料已删除
    [reassigned] 转派
    [assigned_by_admin] 办公室指派
    [timeline_viewed] 查看记录
    [notification_undeliverable] 通知无法送达
    [followed] 又一户关注
    [merged] 作为重复诉求合并到
    [merged_from] 有重复诉求合并进来
    [unmerged] 撤销合并，重新单独处理；原合并到
    [outage_declared] 宣布为已知故障，范围
    [outage_ended] 已知故障结束
    [recurring] 列入本楼栋的反复问题
   *[other] { $kind }
}

## Admin console: statistics

stats-usage = 用法：/stats、/stats 7d、/stats 30d 或 /stats 90d。
stats-none = 最近 { $days } 天没有需求。
stats-summary = 最近 { $days } 天：共 { $total } 件需求
    接单用时：{ $accept }
    办结用时：{ $resolve }
    尚未办结：{ $open }
    在服务时限内：{ $within }
    重新打开：{ $reopened }
    平均评分：{ $rating }（{ $ratings } 个评分）
stats-by-category = 按类别
stats-by-status = 按状态
stats-median = 中位数 { $time }（共 { $count } 件）
stats-median-none = —（暂无）
stats-open = { $count } 件，最久的已等 { $oldest }
stats-open-none = 无
stats-within = { $decided ->
        [0] —
       *[other] { $share }（已到时限的 { $decided } 件中 { $met } 件）
    }{ $running ->
        [0] {""}
       *[other] ，{ $running } 件未到时限、仍在进行
    }
stats-group = • { $name }：{ $requests } 件 · 办结用时 { $resolve } · 尚未办结 { $open } · 时限内 { $within }
stats-per-grid = 各网格：
stats-slowest = 最慢的楼栋（办结用时中位数；若尚未办结的需求等得更久，取其等待时间）
stats-chart-title = 最近 { $days } 天的需求
stats-chart-grid-resolve = 各网格办结用时中位数（小时，已办结的需求）
stats-chart-hours = { $hours } 小时
stats-chart-hours-open = { $hours } 小时，尚未办结
stats-chart-caption = 最近 { $days } 天的统计

## Admin console: notices

notice-choose-unit = 通知发给哪里的居民？请选择单位，或输入楼栋编号或名称。
notice-ask-text = 请写下发给{ $unit }居民的通知（文字，最多 { $max } 字）。请勿包含任何人需求的细节。
notice-ask-text-again = 请以文字写下通知，或发送 /cancel。
notice-too-long = 太长了；通知最多 { $max } 字。
notice-preview = 预览——将发给{ $unit }的 { $recipients } 位已登记居民：
notice-confirm-again = 请点击预览下方的“发送”或“取消”。
notice-heading = 📢 社区办公室通知
notice-queued = 正在发送给 { $recipients } 位居民。
notice-progress = 📢 发给{ $unit }的通知：已送达 { $delivered } / { $total }，暂时无法送达 { $unreachable }。{ $acknowledged } 人已确认收到。
notice-done = ✅ 发给{ $unit }的通知已发完：送达 { $delivered }，无法送达 { $unreachable }，共 { $total }。{ $acknowledged } 人已确认收到。
notice-acknowledged = 谢谢，已记录。
notice-already-acknowledged = 已经记录过了，谢谢。
button-send = 📢 发送
button-received = ✅ 收到
button-refresh = 🔄 刷新

## care: households, the building map, visits and their rounds
menu-visit = 记录入户走访
menu-building = 楼栋住户图
care-tag-elderly-alone = 独居老人
care-tag-empty-nest = 空巢
care-tag-disabled = 残疾
care-tag-chronic-illness = 慢性病
care-tag-low-income = 低收入
care-tag-child-care = 儿童关爱
care-tag-renter = 租户
care-tag-vacant = 空置
care-tag-party-member = 党员
visit-none = 入户走访由楼栋长和副楼栋长记录；您目前不是任何楼栋的楼栋长或副楼栋长。
visit-no-households = 您负责的楼栋还没有导入住户。请管理员用 /import 导入 households.csv。
visit-choose = 您走访了哪一户？{ $due ->
        [0] 目前没有到期的走访。
       *[other] 有 { $due } 户到期（⏰），排在前面。
    }也可以发送 /visit 加房号，例如 /visit 301。
visit-outcome = { $building } 楼 { $room } 室：走访情况如何？
visit-all-well = ✅ 一切都好
visit-needs-help = 🆘 需要帮助
visit-nobody-home = 🚪 无人在家
visit-moved-out = 📦 已搬走
visit-note-ask = 请写一句备注，或点“不写备注”。
visit-help-ask = 需要什么帮助？您写的内容将作为这一户的诉求，交给负责的人处理。
visit-no-note = 不写备注
visit-recorded = 已记录 { $room } 室的走访：{ $outcome }。
visit-request-made = 已为 { $room } 室创建诉求 { $number }。
visit-not-yours = 只有本楼栋的楼栋长和副楼栋长可以记录走访。
visit-gone = 这一户已不在名单中。
visit-note-too-long = 超过了 { $max } 个字，请精简后重发。
visit-unknown-room = 您负责的楼栋里没有 { $room } 室。
button-record-visit = 📝 记录走访
building-ask = 哪栋楼？请发送 /building 加楼栋编号，例如 /building E01。
building-map-unknown = 没有 { $code } 这栋楼。
building-not-allowed = 您无权查看 { $code } 楼的住户。
building-not-allowed-short = 您无权查看这一户。
building-empty = { $code } 楼还没有导入住户。
building-map-title = { $code } 楼住户图
building-title = { $code } 楼：共 { $households } 户（⏰ = 应走访）
building-line = { $room } · { $tags } · 已登记 { $residents } 人 · 上次走访：{ $visit } · 未办结诉求 { $requests } 件
building-never = 从未
building-visit-hint = 点房号查看详情并记录走访。
building-floor = 层
building-entrance = 单元
building-mark-request = 有未办结诉求
building-mark-overdue = 应走访
building-mark-alert = 报平安告警
building-care-elderly = 独居老人
building-care-health = 残疾、慢性病
building-care-empty-nest = 空巢
building-care-other = 其他关注
building-care-vacant = 空置
building-care-nothing = 无标记
household-detail = { $room } 室：{ $members } 人
    标记：{ $tags }
    备注：{ $note }
care-due-list = 本月应走访 { $count } 户，走访后请用 /visit 记录。
care-digest = 截至 { $month } 月底，您所在小区未达到走访目标的楼栋：
care-coverage-line = { $unit }：已走访 { $visited } / { $target } 户
stats-visits = 本期走访覆盖率：
stats-visits-estate = { $estate }：已走访 { $visited } / { $target } 户（{ $share }）
privacy-care = 住户信息：本楼栋的楼栋长、副楼栋长和社区管理员可以看到本楼各户的关爱标记和备注（由社区导入）；上级负责人只能看到不敏感的标记。走访记录保存 { $care } 天。这些信息不会出现在通知、导出或日志中。/mydata 包含您所在的住户及其走访记录；/forget 会解除您与住户的关联。
## many: one problem, many reporters (issue 27)
status-merged = 已合并
card-households = 👥 影响 { $households } 户
metoo-offer = 附近已有类似的未办结诉求——您的是其中之一吗？点“我也是”即可关注，无需重复上报。
metoo-offer-line = { $number } · { $at } · { $status } · { $households } 户
    { $first }
button-me-too = 🙋 我也是：{ $number }
button-mine-is-different = ✏️ 我的不一样
metoo-following = 您已关注 { $number }，共影响 { $households } 户。每次进展都会通知您，办结后也会请您确认是否解决。
metoo-already = 您已在关注 { $number }。
reopened-by-follower = 您的诉求 { $number } 已重新打开：关注它的一位邻居说问题还没有解决，负责人会继续处理。
follower-status = 您关注的 { $number } 现在{ $status }。
follower-passed = 您关注的 { $number } 已转交给另一位负责人，现在{ $status }。
follower-escalated = 您关注的 { $number } 还没有人按时处理，已经交给了上一级负责人。
ask-still-fixed-follower = 您关注的 { $number } 一周前已完成，对您来说问题还好吗？
ask-fixed-follower = 您关注的 { $number } 已处理：{ $note }
    您那里解决了吗？
merge-usage = 用法：/merge <编号> <并入编号>，例如 /merge 1043 1042。
merge-missing = 这里没有这个诉求。
merge-not-allowed = 只有该诉求的承办人或其上级可以这样做。
merge-same = 诉求不能与自身合并。
merge-duplicate-finished = 只有待受理或处理中的诉求可以合并。
merge-original-finished = 并入的诉求必须仍在待受理或处理中。
merge-done = { $number } 已并入 { $into }，现影响 { $households } 户。
merge-told = 您的诉求 { $number } 已并入 { $into } 一并处理，之后的每次进展都会通知您。
unmerge-usage = 用法：/unmerge <编号>，例如 /unmerge 1043。
unmerge-done = { $number } 已从 { $into } 拆分，单独处理。
unmerge-told = 您的诉求 { $number } 已从 { $into } 拆分，恢复单独处理。
unmerge-not-merged = 该诉求未被合并。
unmerge-too-late = 合并只能在 { $days } 天内撤销。
button-duplicate-of = 🔗 与…重复
duplicate-choose = { $number } 与哪个诉求重复？
duplicate-none = { $building } 没有其他同类未办结诉求可供 { $number } 并入。
button-merge-into = → { $number }
outage-usage = 用法：/outage <编号> [楼栋…] 宣布小区（或这些楼栋）的已知故障；/outage <编号> off 结束。
outage-declared = { $number } 现为 { $units } 的已知故障：那里的新上报将直接关注它，不再派新卡片。
outage-ended = { $number } 不再是已知故障。
outage-not-declared = { $number } 不是已知故障。
outage-unknown-building = { $building } 不是该诉求所在小区的楼栋。
outage-sensitive = 敏感类诉求不能宣布为已知故障。
recurring-opened = 🔁 { $building } 出现反复问题：{ $category } 再次发生，共 { $requests } 件诉求。请从根源解决，而不是逐件再修：
recurring-line = { $number } · { $at } · { $status } · { $households } 户
stats-problems-heading = 🔁 近 30 天的反复问题（按影响户数排序）：
stats-problems-line = { $rank }. { $building } · { $category } · { $households } 户 · { $requests } 件
stats-problems-none = 近 30 天没有反复问题。
sla-recurring = 反复问题：{ $days } 天内至少 { $households } 户提出 { $requests } 件及以上，或上一件办结后 { $after } 天内再次发生。修改：/sla recurring <天数> <件数> <户数> <办结后天数>。
sla-estate-wide = 按小区推荐的类别：{ $categories }。修改：/sla estatewide add|remove <类别>。
sla-recurring-usage = 用法：/sla recurring <天数> <件数> <户数> <办结后天数>，例如 /sla recurring 30 3 2 60。
outage-known = ⚠️ 此问题已知，正在处理：您已关注 { $number }，共影响 { $households } 户。每次进展和修复后都会通知您。
menu-merge = 将诉求标记为另一诉求的重复
menu-unmerge = 撤销合并（7 天内）
menu-outage = 宣布已知故障
## demo: the page of `community-desk demo`

demo-title = 社区服务台 · 演示
demo-intro = 每部手机是一个人与机器人的私聊。机器人就是真实运行的那一个，只是连着本机内置的 Telegram：消息不会发到真的 Telegram。
demo-other-language = English
demo-clock = 演示时间
demo-forward-10m = +10 分钟
demo-forward-1h = +1 小时
demo-forward-1d = +1 天
demo-reset = 重新开始
demo-reset-confirm = 清除演示中的一切，从头开始？
demo-add-person = 添加一个人
demo-add-person-hint = 新居民扫描楼栋的二维码：
demo-part-resident = 居民
demo-part-liaison = 楼栋联络员
demo-part-deputy = 副联络员
demo-part-group_leader = 小区组长
demo-part-grid_leader = 网格长
demo-part-admin = 社区管理员
demo-part-new_resident = 新居民
demo-menu = 菜单
demo-message = 输入消息
demo-send = 发送
demo-photo = 照片
demo-file = 文件
demo-photo-too-big = 照片不能超过 10 MB（Telegram 对机器人的限制），这张没有发送。
demo-file-too-big = 文件不能超过 20 MB（Telegram 对机器人的限制），这个没有发送。

## 公开的 Open311 数据
open311-address = { $estate } { $building } 号楼
open311-agency = { $unit } { $role }
open311-note-open = 等待受理
open311-note-accepted = 处理中
open311-note-resolved = 已解决，等待居民确认
open311-note-closed = 已办结
open311-note-cancelled = 居民已撤回
open311-note-merged = 重复诉求，并入 #{ $number } 一并处理
open311-contact = 社区办公室（通过社区的 Telegram 机器人）
## office dashboard: the Queues, Statistics, People and Export pages

office-queues-title = 待办队列
office-queues-soon = 即将超时
office-queues-overdue = 已超时
office-queues-escalated = 已升级
office-queues-nobody = 无人可接
office-queues-empty = 目前没有。
office-unassigned = 无人负责
office-column-number = 编号
office-column-building = 楼栋
office-column-category = 类别
office-column-status = 状态
office-column-due = 期限
office-column-age = 已等待
office-column-assignee = 负责人
office-column-description = 描述
office-column-resident = 居民
office-column-created = 提交时间
office-column-name = 姓名
office-column-role = 角色
office-column-unit = 单位
office-column-reachable = 可联系
office-column-away = 外出
office-column-load = 在办
office-stats-title = 统计
office-stats-period = 最近 { $days } 天
office-stats-none = 这段时间没有需求。
office-stats-total = 需求数
office-stats-service = 按时办理率
office-stats-to-accept = 受理时间中位数
office-stats-to-resolve = 办结时间中位数
office-stats-reopen = 重新打开率
office-stats-rating = 平均评分
office-stats-service-grids = 各网格按时办理率
office-stats-service-estates = 各小区按时办理率
office-stats-accept-grids = 各网格受理时间中位数
office-stats-resolve-grids = 各网格办结时间中位数
office-stats-reopen-grids = 各网格重新打开率
office-stats-rating-grids = 各网格平均评分
office-stats-met = 按时
office-stats-missed = 超时
office-people-title = 人员
office-people-none = 这里还没有人担任角色。
office-people-unbound = 尚未绑定 Telegram
office-people-reachable = 是
office-people-unreachable = 否（已屏蔽机器人或离开）
office-people-away = 至 { $until }
office-people-invite = 邀请担任角色
office-people-create = 生成邀请链接
office-people-invited = 邀请链接，{ $days } 天内有效；请发给被邀请的人：
office-people-refused = 该角色不能设在这个单位上。
office-export-title = 导出
office-export-community-only = 只有整个社区的管理员可以导出。
office-export-bad-date = 日期的写法是 2026-11-30。
office-export-explained = 以 CSV 导出这段时间提交的需求：不含姓名、房号和电话，敏感类别的描述已隐去。
office-export-from = 从
office-export-to = 到
office-export-download = 下载 CSV

## 办公室看板
menu-web = 登录社区办公室看板
web-not-configured = 本机器人尚未开通办公室看板（未设置 DESK_PUBLIC_URL），请联系机器人的管理者。
web-not-for-you = 办公室看板供社区办公室和网格长、小区组长使用。您需要的一切都在这个对话里。
web-link = 您的办公室看板登录链接（仅限本人，{ $minutes } 分钟内有效，只能使用一次）：
    { $link }
office-community-title = 社区全貌
office-community-none = 您的范围内没有楼栋。
office-community-counts = { $count } 件在办 · { $overdue } 件超时
office-state-overdue = 已超时
office-state-waiting = 等待受理
office-state-open = 处理中
office-state-quiet = 无在办诉求
office-nav-community = 社区
office-nav-queues = 队列
office-nav-stats = 统计
office-nav-people = 人员
office-nav-export = 导出
office-sign-out = 退出登录
office-signed-out-title = 社区办公室
office-signed-out = 要打开办公室看板，请在 Telegram 中向社区机器人发送 /web，然后打开它给您的链接。每个链接只能使用一次，10 分钟内有效。
office-link-refused = 这个登录链接无法使用：它已被使用、已过期，或不是机器人发出的链接。请向机器人发送 /web 获取新链接。
office-refused = 表单已过期，请重试。
office-assign-to = 转交给
office-assign-reason = 原因
office-assign = 指派
office-assign-no-reason = 请填写原因：它会记入记录并告知新的负责人。
# Daily check-ins
checkin-not-resident = 每日报平安仅限登记了楼栋的居民：请先发送 /start 登记。
checkin-state-none = 每日报平安：每天在您选定的时间前一小时我会问候您，您按“我很好”（或给我发任何消息）即可。若没有回应，楼栋长会上门敲门。您每天最晚几点报平安？
checkin-state-on = 每日报平安已开启：每天 { $time } 前。可在下面改时间，或发送 /checkin pause 3、/checkin pause 2026-12-24、/checkin off。
checkin-state-paused = 每日报平安已暂停至 { $until }；之后仍为每天 { $time } 前。
checkin-state-off = 每日报平安已关闭。选择一个时间即可重新开启。
checkin-on = 每日报平安已开启：每天 { $time } 前。我会提前一小时问候您。
checkin-paused = 每日报平安暂停至 { $until }（例如去家人那里住）。次日自动恢复。
checkin-off = 每日报平安已关闭。发送 /checkin 可重新开启。
checkin-not-on = 每日报平安尚未开启：发送 /checkin 开启。
checkin-bad-pause = 请发送 /checkin pause 3（天数）或 /checkin pause 2026-12-24（一年内的日期）。
checkin-greeting = 早上好！请在 { $time } 前按下按钮，让我们知道您一切安好。
button-checkin-fine = ✅ 我很好
checkin-reminder = 现在是 { $time }：请按“我很好”，或随便给我发条消息。
checkin-reminder-second = 您今天还没有报平安。请按“我很好”：半小时后将请楼栋长上门敲门。
checkin-thanks = 谢谢，您今天已报平安。
checkin-nothing = 现在没有需要报平安的事项。谢谢！
checkin-knock = ⚠️ 请去 { $building } { $room } 室敲门：住户今天没有报平安。
checkin-knock-undelivered = ⚠️ 请去 { $building } { $room } 室敲门：今早的问候没能送达住户（Telegram 无法连接或已屏蔽机器人），因此住户无法报平安。
checkin-knock-note = 备注：{ $note }
button-checkin-going = 🚶 我去看看
button-checkin-well = ✅ 一切安好
button-checkin-help = 🆘 需要帮助
button-checkin-nobody = 🚪 无人应门
button-checkin-hospital = 🏥 住院了
button-checkin-away = 🧳 外出
checkin-going = 谢谢您去 { $building } { $room } 室。情况如何？
checkin-missed = { $name }（{ $building } { $room } 室）今天没有报平安；已请楼栋长上门敲门。如果您已和对方通过话，请按下面的按钮。
checkin-missed-undelivered = 今早的问候没能送达 { $name }（{ $building } { $room } 室）（Telegram 无法连接或已屏蔽机器人）；已请楼栋长上门敲门。如果您已和对方通过话，请按下面的按钮。
button-checkin-spoke = ☎️ 我和对方通过话了
checkin-nobody-answered = { $building } { $room } 室住户未报平安，上门无人应门。请设法联系住户。
checkin-all-clear = 警报解除：{ $building } { $room } 室住户平安。
checkin-closed = 已记录：{ $outcome }。谢谢。
checkin-outcome-late = 迟到报平安
checkin-outcome-away = 外出
checkin-outcome-needed_help = 需要帮助
checkin-outcome-hospital = 住院
checkin-outcome-nobody_answered = 无人应门
checkin-help-description = 每日报平安未签到：楼栋长上门发现住户需要帮助。
checkin-stale = 此警报已结束，或已有他人前往。
checkin-spoke-done = 已记录：您在与对方通话后代为报平安。谢谢。
checkin-proposal = 楼栋长建议您开启每日报平安，每天 { $time } 前：我会提前一小时问候您，若没有回应，楼栋长会上门敲门。您愿意开启吗？
button-checkin-accept = 好的
button-checkin-decline = 不用了，谢谢
checkin-declined = 好的：不开启每日报平安。随时发送 /checkin 可以开启。
checkin-proposal-gone = 这个建议已经失效。
checkin-propose-usage = 发送 /checkin propose 301 9（房号、钟点），向本楼某户居民建议开启每日报平安。
checkin-proposed = 已向 { $room } 室居民提出建议，由他们决定。
checkin-propose-nobody = 您负责的楼栋中 { $room } 室没有已登记的居民。
button-propose-checkins = 🔔 建议每日报平安
checkin-propose-hour = { $room } 室的居民每天几点前报平安？我们会征求他们的同意，他们同意后才开始。
checkin-propose-none-left = { $room } 室已登记的居民都已开通每日报平安，或该室没有已登记的居民。
family-link = 请把这个链接发给一位家人。对方打开后即与您关联（仅限一次）：您未报平安时会通知对方，对方与您通话后也可代您报平安。
    { $link }
family-linked = 您已与 { $name } 关联：对方未报平安时会通知您。
family-linked-resident = { $name } 已作为家人与您关联。
family-link-invalid = 这个家人链接已被使用或无效。
privacy-checkin = 每日报平安：只有在您自己开启（或接受楼栋长的建议）后才会运行。我们保存您选择的时间，以及每天的问候、报平安时间和警报的结果，保存 { $care } 天。如果您未报平安，只有楼栋长（无人前往时还有上级）、关联的家人和网格组长会知道；不会出现在通知、导出或日志中。/mydata 包含这些记录和家人关联；/forget 会全部删除。
menu-checkin = 每日报平安
menu-family = 关联家人
checkin-alerts-stats = 本期报平安警报：{ $total } 次（{ $text }）；以“迟到报平安”结束的为误报。
office-column-closed = 办结时间
office-building-title = { $code } 号楼
office-building-people = 楼长和副楼长
office-building-nobody = 本楼还没有楼长或副楼长。
office-building-households = 住户
office-building-registered = { $known } 户中 { $count } 户已登记
office-building-residents = 已登记居民 { $count } 人
office-building-open = 在办诉求
office-building-recent = 最近 { $days } 天办结
office-building-none-recent = 最近没有办结的诉求。
office-building-problems = 反复出现的问题（最近 { $days } 天）
office-building-no-problems = 没有。
office-building-problem = { $count } 件诉求，涉及 { $households } 户
office-take-over = 由我接手
office-note = 内部备注（仅负责人和社区办公室可见，居民看不到）
office-note-add = 添加备注
office-note-added = 备注已记录。
office-note-empty = 备注是空的。
office-attachment-photo = 照片
office-attachment-document = 文件
office-building-no-households = 尚未导入住户（households.csv）
