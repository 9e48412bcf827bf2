//! The People page: the role holders within reach — roles, whether the bot
//! can reach them, away periods, the requests they hold — and a form that
//! creates an invitation link.

use i18n_embed_fl::fl;
use maud::{Markup, html};
use serde::Deserialize;

use super::body::{Reach, Viewer};
use crate::app::admin::{self, Authority};
use crate::domain::{PersonId, Role, UnitId};
use crate::store::{RoleHolder, StoreError, Tx};
use crate::telegram::render;

/// The invitation form as posted.
#[derive(Debug, Clone, Deserialize)]
pub struct InviteForm {
    pub role: String,
    pub unit: i64,
}

/// What became of a posted invitation form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invited {
    /// The link to send to the person invited.
    Link(String),
    /// An unknown role, a unit out of reach, or one of the wrong level.
    Refused,
}

/// The People page body, with the outcome of an invitation just made on
/// top. `csrf` goes into the form's hidden `csrf` field.
pub async fn page(
    tx: &mut Tx,
    authority: &Authority,
    viewer: &Viewer<'_>,
    csrf: &str,
    invited: Option<&Invited>,
) -> Result<Markup, StoreError> {
    let l = viewer.l;
    let reach = Reach::of(authority);
    let holders: Vec<RoleHolder> =
        tx.office_role_holders().await?.into_iter().filter(|h| authority.covers(h.unit)).collect();
    let units: Vec<(UnitId, String)> =
        authority.units.iter().filter(|u| authority.covers(u.id)).map(|u| (u.id, authority.path(u.id))).collect();
    Ok(html! {
        h1 { (fl!(l, "office-people-title")) }
        @match invited {
            Some(Invited::Link(link)) => {
                p.invited { (fl!(l, "office-people-invited", days = admin::INVITATION_DAYS)) " " a href=(link) { (link) } }
            }
            Some(Invited::Refused) => { p.refused { (fl!(l, "office-people-refused")) } }
            None => {}
        }
        @if holders.is_empty() {
            p.empty { (fl!(l, "office-people-none")) }
        } @else {
            (holders_table(viewer, &reach, &holders))
        }
        h2 { (fl!(l, "office-people-invite")) }
        form method="post" action="/office/people/invite" {
            input type="hidden" name="csrf" value=(csrf);
            label {
                (fl!(l, "office-column-role")) " "
                select name="role" {
                    @for role in Role::ALL {
                        option value=(role.as_str()) { (render::role(l, role)) }
                    }
                }
            }
            " "
            label {
                (fl!(l, "office-column-unit")) " "
                select name="unit" {
                    @for (id, path) in &units {
                        option value=(id.0) { (path) }
                    }
                }
            }
            " "
            button type="submit" { (fl!(l, "office-people-create")) }
        }
    })
}

/// The role holders as a table: role, unit, whether the bot reaches them,
/// away until when, and how many requests they hold.
pub(super) fn holders_table(viewer: &Viewer<'_>, reach: &Reach, holders: &[RoleHolder]) -> Markup {
    let l = viewer.l;
    let now = viewer.now_ms();
    html! {
        table.people {
            thead {
                tr {
                    th { (fl!(l, "office-column-name")) }
                    th { (fl!(l, "office-column-role")) }
                    th { (fl!(l, "office-column-unit")) }
                    th { (fl!(l, "office-column-reachable")) }
                    th { (fl!(l, "office-column-away")) }
                    th { (fl!(l, "office-column-load")) }
                }
            }
            tbody {
                @for holder in holders {
                    tr data-person=(holder.person.0) {
                        td { (holder.name) }
                        td { (render::role(l, holder.role)) }
                        td { (reach.name(holder.unit)) }
                        td {
                            @if !holder.bound {
                                span.unbound { (fl!(l, "office-people-unbound")) }
                            } @else if holder.reachable {
                                span.reachable { (fl!(l, "office-people-reachable")) }
                            } @else {
                                span.unreachable { (fl!(l, "office-people-unreachable")) }
                            }
                        }
                        td {
                            @if let Some(until) = holder.away_until.filter(|until| *until > now) {
                                span.away { (fl!(l, "office-people-away", until = viewer.moment(until))) }
                            }
                        }
                        td.load { (holder.load) }
                    }
                }
            }
        }
    }
}

/// Creates the invitation a posted form asks for, through the same use case
/// as `/invite`; the caller has checked the form's CSRF token.
pub async fn invite(
    tx: &mut Tx,
    authority: &Authority,
    actor: PersonId,
    viewer: &Viewer<'_>,
    form: &InviteForm,
    bot_username: &str,
) -> Result<Invited, StoreError> {
    let Some(role) = Role::parse(&form.role) else { return Ok(Invited::Refused) };
    let unit = UnitId(form.unit);
    let Some(found) = authority.units.iter().find(|u| u.id == unit) else { return Ok(Invited::Refused) };
    if !authority.covers(unit) || role.required_level().is_some_and(|level| level != found.level) {
        return Ok(Invited::Refused);
    }
    let code = admin::invite(tx, actor, role, unit, viewer.now).await?;
    Ok(Invited::Link(format!("https://t.me/{bot_username}?start=join_{code}")))
}
