//! Each person's command menu: the commands of their roles, in their
//! language. Everyone gets the default menu published at start-up; people
//! with roles get one of their own (setMyCommands scoped to their chat),
//! refreshed whenever their roles change.

use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;

use crate::app::App;
use crate::domain::{PersonId, Role, TelegramId};
use crate::store::{StoreError, Tx};
use crate::telegram::delivery::outgoing::{Outbox, Outgoing};

/// The commands everyone may use.
pub fn everyone(l: &FluentLanguageLoader) -> Vec<(String, String)> {
    vec![
        ("new".into(), fl!(l, "menu-new")),
        ("my".into(), fl!(l, "menu-my")),
        ("start".into(), fl!(l, "menu-start")),
        ("help".into(), fl!(l, "menu-help")),
        ("cancel".into(), fl!(l, "menu-cancel")),
        ("lang".into(), fl!(l, "menu-lang")),
        ("privacy".into(), fl!(l, "menu-privacy")),
        ("mydata".into(), fl!(l, "menu-mydata")),
        ("forget".into(), fl!(l, "menu-forget")),
        ("checkin".into(), fl!(l, "menu-checkin")),
        ("family".into(), fl!(l, "menu-family")),
    ]
}

fn responder(l: &FluentLanguageLoader) -> Vec<(String, String)> {
    vec![
        ("tasks".into(), fl!(l, "menu-tasks")),
        ("away".into(), fl!(l, "menu-away")),
        ("back".into(), fl!(l, "menu-back")),
        ("visit".into(), fl!(l, "menu-visit")),
        ("building".into(), fl!(l, "menu-building")),
        ("merge".into(), fl!(l, "menu-merge")),
        ("unmerge".into(), fl!(l, "menu-unmerge")),
        ("outage".into(), fl!(l, "menu-outage")),
    ]
}

fn admin(l: &FluentLanguageLoader) -> Vec<(String, String)> {
    vec![
        ("open".into(), fl!(l, "menu-open")),
        ("request".into(), fl!(l, "menu-request")),
        ("assign".into(), fl!(l, "menu-assign")),
        ("stats".into(), fl!(l, "menu-stats")),
        ("sla".into(), fl!(l, "menu-sla")),
        ("invite".into(), fl!(l, "menu-invite")),
        ("people".into(), fl!(l, "menu-people")),
        ("broadcast".into(), fl!(l, "menu-broadcast")),
        ("export".into(), fl!(l, "menu-export")),
        ("import".into(), fl!(l, "menu-import")),
        ("done".into(), fl!(l, "menu-done")),
        ("web".into(), fl!(l, "menu-web")),
    ]
}

/// The menu for someone with these roles: responders' commands first, since
/// they are used most, then admins', then everyone's.
pub fn for_roles(l: &FluentLanguageLoader, roles: &[Role], is_admin: bool) -> Vec<(String, String)> {
    let mut commands = Vec::new();
    if roles.iter().any(|r| *r != Role::Admin) || is_admin {
        commands.extend(responder(l));
    }
    if is_admin {
        commands.extend(admin(l));
    } else if roles.iter().any(|r| matches!(r, Role::GroupLeader | Role::GridLeader)) {
        commands.push(("web".into(), fl!(l, "menu-web")));
    }
    commands.extend(everyone(l));
    commands
}

/// Queues the person's menu as their roles and language are now.
pub async fn refresh(app: &App, tx: &mut Tx, out: &mut Outbox, person: PersonId) -> Result<(), StoreError> {
    let Some((chat, l)) = super::notify::recipient(app, tx, person).await? else { return Ok(()) };
    let roles: Vec<Role> = tx.roles_of(person).await?.into_iter().map(|r| r.role).collect();
    let is_admin = roles.contains(&Role::Admin) || app.config.admin_ids.contains(&TelegramId(chat));
    out.push(Outgoing::Menu { chat, commands: for_roles(l, &roles, is_admin) });
    Ok(())
}

/// Queues the menus of `people` whose roles changed outside any turn: those
/// `ADMIN_IDS` no longer makes admins, at start-up.
pub async fn refresh_each(app: &App, tx: &mut Tx, people: &[PersonId], now: i64) -> Result<(), StoreError> {
    let mut out = Outbox::default();
    for person in people {
        refresh(app, tx, &mut out, *person).await?;
    }
    out.write(tx, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{I18n, Locale};

    fn names(commands: &[(String, String)]) -> Vec<&str> {
        commands.iter().map(|(c, _)| c.as_str()).collect()
    }

    #[test]
    fn each_role_sees_its_own_commands_and_everyone_the_common_ones() {
        let i18n = I18n::load().unwrap();
        let l = i18n.get(Locale::En);
        let resident = names(&for_roles(l, &[], false)).len();
        let liaison = for_roles(l, &[Role::Liaison], false);
        assert!(names(&liaison).contains(&"tasks"));
        assert!(names(&liaison).contains(&"merge") && names(&liaison).contains(&"unmerge"));
        assert!(!names(&for_roles(l, &[], false)).contains(&"merge"), "not for residents");
        assert!(!names(&liaison).contains(&"broadcast"));
        let admin = for_roles(l, &[Role::Admin], true);
        assert!(names(&admin).contains(&"broadcast"));
        assert!(names(&admin).contains(&"tasks"), "admins are the top of the escalation chain");
        assert_eq!(resident, everyone(l).len());
        let zh = for_roles(i18n.get(Locale::ZhCn), &[Role::Admin], true);
        assert_ne!(zh[0].1, admin[0].1, "descriptions are in the person's language");
        // Telegram refuses descriptions over 256 characters and commands
        // that are not lowercase a–z, 0–9 and _.
        for (command, description) in zh.iter().chain(&admin) {
            assert!(command.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
            assert!((1..=256).contains(&description.chars().count()));
        }
    }
}
