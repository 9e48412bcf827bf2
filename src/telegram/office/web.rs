//! `/web`: a single-use sign-in link to the office dashboard for leaders and
//! admins.

use i18n_embed_fl::fl;

use crate::app::web_access::{self, SIGN_IN_MINUTES, SignIn};
use crate::domain::TelegramId;
use crate::telegram::delivery::turn::Turn;

pub async fn sign_in(turn: &mut Turn<'_>) -> anyhow::Result<()> {
    let l = turn.l();
    let Some(public_url) = turn.app.config.public_url.clone() else {
        turn.say(fl!(l, "web-not-configured"));
        return Ok(());
    };
    let (person, telegram, now) = (turn.person.id, TelegramId(turn.chat), turn.app.now_ms());
    match web_access::issue_sign_in(&mut turn.tx, person, telegram, &turn.app.config.admin_ids, now).await? {
        SignIn::NotForYou => turn.say(fl!(l, "web-not-for-you")),
        SignIn::Link(token) => {
            let mut link = public_url.join("office/sign-in")?;
            link.query_pairs_mut().append_pair("token", &token);
            turn.say(fl!(l, "web-link", link = link.as_str(), minutes = SIGN_IN_MINUTES));
        }
    }
    Ok(())
}
