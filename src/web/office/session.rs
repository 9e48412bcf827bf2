//! Who is signed in: the session cookie, looked up by its hash, and the
//! reach and language of its person. The cookie never reaches a log.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

use crate::app::App;
use crate::app::admin::Authority;
use crate::app::web_access::{self, SESSION_HOURS};
use crate::domain::{PersonId, TelegramId};
use crate::i18n::Locale;
use crate::store::{StoreError, Tx, WebSession};

pub const COOKIE_NAME: &str = "desk_session";

/// A signed-in person, as far as a page needs them.
pub struct SignedIn {
    pub session_id: String,
    pub session: WebSession,
    pub person: PersonId,
    pub authority: Authority,
    /// Their admin reach alone, for what only admins may do (invitations).
    pub admin: Authority,
    pub locale: Locale,
}

pub fn cookie_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty())
}

pub async fn signed_in(app: &App, tx: &mut Tx, headers: &HeaderMap) -> Result<Option<SignedIn>, StoreError> {
    let Some(id) = cookie_of(headers) else { return Ok(None) };
    let Some(session) = web_access::session(tx, &id, app.now_ms()).await? else { return Ok(None) };
    let Some(person) = tx.person(session.person).await? else { return Ok(None) };
    let telegram = TelegramId(person.telegram_id.unwrap_or_default());
    let authority = web_access::office_authority(tx, person.id, telegram, &app.config.admin_ids).await?;
    if !authority.scope.is_admin() {
        // A role taken away since signing in ends the dashboard too.
        return Ok(None);
    }
    let admin = Authority::of(tx, person.id, telegram, &app.config.admin_ids).await?;
    let locale = person.locale.as_deref().and_then(Locale::from_code).unwrap_or(Locale::ZhCn);
    Ok(Some(SignedIn { session_id: id, person: person.id, session, authority, admin, locale }))
}

/// The cookie that opens a session: only for this site's own requests, out
/// of reach of scripts, over HTTPS when the desk is reached by HTTPS.
pub fn set_cookie(id: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}={id}; Path=/office; HttpOnly; SameSite=Strict; Max-Age={}{secure}", SESSION_HOURS * 3600)
}

pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}=; Path=/office; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

/// At most `LIMIT` sign-in attempts a minute from one address, so that
/// links cannot be guessed at speed (128 random bits make guessing hopeless
/// anyway; this keeps the log and the database quiet). In memory: a
/// restart forgets it, which costs an attacker nothing worth having.
#[derive(Default)]
pub struct Attempts {
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl Attempts {
    const LIMIT: u32 = 10;
    const WINDOW: Duration = Duration::from_secs(60);

    pub fn allow(&self, from: IpAddr) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|poison| poison.into_inner());
        let now = Instant::now();
        seen.retain(|_, (since, _)| now.duration_since(*since) < Self::WINDOW);
        let (_, count) = seen.entry(from).or_insert((now, 0));
        *count += 1;
        *count <= Self::LIMIT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, "a=1; desk_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie_of(&headers).as_deref(), Some("abc"));
        headers.insert(COOKIE, "desk_session=".parse().unwrap());
        assert_eq!(cookie_of(&headers), None);
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_over_https() {
        let cookie = set_cookie("abc", true);
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Max-Age=43200", "Path=/office"] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!set_cookie("abc", false).contains("Secure"));
    }

    #[test]
    fn the_eleventh_attempt_in_a_minute_is_refused() {
        let attempts = Attempts::default();
        let from: IpAddr = [127, 0, 0, 1].into();
        assert!((0..10).all(|_| attempts.allow(from)));
        assert!(!attempts.allow(from));
        assert!(attempts.allow([127, 0, 0, 2].into()));
    }
}
