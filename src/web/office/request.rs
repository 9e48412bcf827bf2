//! A request's page: its card, its whole timeline with times and who, and
//! giving it to a responder on its chain with a reason — the same use case
//! and events as `/assign` in chat; the new holder gets their card in chat.

use i18n_embed_fl::fl;
use maud::{Markup, html};

use super::body::Viewer;
use crate::app::App;
use crate::app::admin::{self, AdminAssignOutcome, Authority};
use crate::domain::{PersonId, RequestId, RequestNumber, UnitId};
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
