//! Signing in to the office dashboard from chat: `/web` gives a leader or
//! an admin a single-use link (10 minutes, bound to their account); opening
//! it opens a session of 12 hours. Secrets are random 128-bit values and
//! only their SHA-256 hashes are stored.

use sha2::{Digest, Sha256};

use super::admin::Authority;
use crate::domain::scope::AdminScope;
use crate::domain::{PersonId, Role, TelegramId, UnitId};
use crate::store::{StoreError, Tx, WebSession};

pub const SIGN_IN_MINUTES: i64 = 10;
pub const SESSION_HOURS: i64 = 12;

/// Whether someone may have the dashboard, and the link if so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// The token to put in the link; shown once, never stored.
    Link(String),
    /// Residents and volunteers without a leading role.
    NotForYou,
}

/// A session just opened: its id for the cookie (never stored) and its
/// CSRF token for forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub id: String,
    pub person: PersonId,
}

/// The roles the dashboard is for.
fn leads(role: Role) -> bool {
    matches!(role, Role::Admin | Role::GridLeader | Role::GroupLeader)
}

/// The reach of someone on the dashboard: what they administer, and the
/// units they lead (and everything below them). Sensitive details stay with
/// admins of a whole community, as in chat.
pub async fn office_authority(
    tx: &mut Tx,
    person: PersonId,
    telegram: TelegramId,
    admin_ids: &[TelegramId],
) -> Result<Authority, StoreError> {
    let mut authority = Authority::of(tx, person, telegram, admin_ids).await?;
    let led: Vec<UnitId> = tx.roles_of(person).await?.into_iter().filter(|r| leads(r.role)).map(|r| r.unit).collect();
    authority.scope = match authority.scope {
        AdminScope::Everywhere => AdminScope::Everywhere,
        AdminScope::Units(mut roots) => {
            roots.extend(led.into_iter().filter(|u| !roots.contains(u)).collect::<Vec<_>>());
            AdminScope::Units(roots)
        }
        AdminScope::Nowhere if led.is_empty() => AdminScope::Nowhere,
        AdminScope::Nowhere => AdminScope::Units(led),
    };
    Ok(authority)
}

pub async fn issue_sign_in(
    tx: &mut Tx,
    person: PersonId,
    telegram: TelegramId,
    admin_ids: &[TelegramId],
    now: i64,
) -> Result<SignIn, StoreError> {
    if !office_authority(tx, person, telegram, admin_ids).await?.scope.is_admin() {
        return Ok(SignIn::NotForYou);
    }
    let token = secret();
    tx.insert_sign_in(&hash(&token), person, now + SIGN_IN_MINUTES * 60_000).await?;
    Ok(SignIn::Link(token))
}

/// Opens a session with a sign-in token, once; `None` for a used, expired
/// or unknown token.
pub async fn redeem(tx: &mut Tx, token: &str, now: i64) -> Result<Option<Opened>, StoreError> {
    let Some(person) = tx.use_sign_in(&hash(token), now).await? else { return Ok(None) };
    let id = secret();
    tx.insert_session(&hash(&id), person, &secret(), now, now + SESSION_HOURS * 3_600_000).await?;
    Ok(Some(Opened { id, person }))
}

pub async fn session(tx: &mut Tx, id: &str, now: i64) -> Result<Option<WebSession>, StoreError> {
    tx.open_session(&hash(id), now).await
}

pub async fn sign_out(tx: &mut Tx, id: &str, now: i64) -> Result<(), StoreError> {
    tx.end_session(&hash(id), now).await
}

/// Whether a form's CSRF token is the session's, compared in time that does
/// not depend on how much of a guess was right.
pub fn csrf_matches(session: &WebSession, given: &str) -> bool {
    let (a, b) = (session.csrf.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 128 random bits from the operating system, as hex.
fn secret() -> String {
    let mut bytes = [0u8; 16];
    // The OS generator failing is the end of everything else too.
    getrandom::fill(&mut bytes).expect("the operating system's random numbers");
    hex::encode(bytes)
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_128_random_bits_and_hashes_hide_them() {
        let (a, b) = (secret(), secret());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), a);
    }

    #[test]
    fn a_csrf_token_must_match_whole() {
        let session = WebSession { person: PersonId(1), csrf: "abcd".into() };
        assert!(csrf_matches(&session, "abcd"));
        assert!(!csrf_matches(&session, "abc"));
        assert!(!csrf_matches(&session, "abce"));
        assert!(!csrf_matches(&session, ""));
    }
}
