//! Which conversation something typed outside any dialogue belongs to. An
//! elderly resident answers a relayed message by typing, not by pressing
//! Reply; what they type must reach the responder who wrote, or they must
//! be asked where it goes, never be dropped.

use chrono::{DateTime, Utc};

use crate::domain::events::Event;
use crate::domain::{Attachment, PersonId, RequestId};
use crate::store::{RequestView, StoreError, Thread, Tx, millis};

/// How long after the other side last wrote a conversation counts as in
/// progress: a day covers "I'll come tomorrow" and the answer to it.
pub const RECENT: chrono::Duration = chrono::Duration::hours(24);

/// Where a typed message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addressee {
    /// The one conversation in progress.
    One(RequestId),
    /// Several are in progress: the person chooses.
    Several(Vec<RequestId>),
    /// None is: the message goes nowhere, and the person is told what they
    /// can do instead.
    Nobody,
}

/// The conversations in progress for someone are the requests whose other
/// side wrote to them within [`RECENT`]; when there are none, the requests
/// they hold as accepted responder (a responder typing is writing to a
/// resident whose request they are handling).
pub fn addressee_among(threads: &[Thread], now: DateTime<Utc>) -> Addressee {
    let since = millis(now - RECENT);
    let recent: Vec<RequestId> =
        threads.iter().filter(|t| t.last_heard.is_some_and(|at| at >= since)).map(|t| t.request).collect();
    let candidates =
        if recent.is_empty() { threads.iter().filter(|t| t.held).map(|t| t.request).collect() } else { recent };
    match candidates.as_slice() {
        [] => Addressee::Nobody,
        [one] => Addressee::One(*one),
        _ => Addressee::Several(candidates),
    }
}

/// Where what `person` typed outside any dialogue goes.
pub async fn addressee(tx: &mut Tx, person: PersonId, now: DateTime<Utc>) -> Result<Addressee, StoreError> {
    Ok(addressee_among(&tx.threads_of(person).await?, now))
}

/// A message relayed between a request's resident and its assignee.
pub struct Relayed {
    pub request: RequestView,
    /// Whom it goes to.
    pub to: PersonId,
    pub from_resident: bool,
}

/// Records what `sender` wrote about `request` for the other side, if they
/// may talk about it (see [`super::requests::relay_target`]).
pub async fn relay(
    tx: &mut Tx,
    request: RequestId,
    sender: PersonId,
    text: &str,
    attachment: Option<&Attachment>,
    now: i64,
) -> Result<Option<Relayed>, StoreError> {
    let Some((view, to, from_resident)) = super::requests::relay_target(tx, request, sender).await? else {
        return Ok(None);
    };
    let event =
        Event::Relayed { from_resident, text: text.to_string(), attachment: attachment.map(|a| a.kind().to_string()) };
    tx.record_event(Some(request), Some(sender), &event, now).await?;
    Ok(Some(Relayed { request: view, to, from_resident }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap()
    }

    fn thread(id: i64, held: bool, heard_hours_ago: Option<i64>) -> Thread {
        Thread {
            request: RequestId(id),
            held,
            last_heard: heard_hours_ago.map(|h| millis(now() - chrono::Duration::hours(h))),
        }
    }

    #[test]
    fn a_resident_written_to_recently_answers_that_request() {
        let threads = [thread(1, false, Some(2)), thread(2, false, None)];
        assert_eq!(addressee_among(&threads, now()), Addressee::One(RequestId(1)));
    }

    #[test]
    fn a_message_older_than_a_day_no_longer_makes_a_conversation() {
        let threads = [thread(1, false, Some(25)), thread(2, false, None)];
        assert_eq!(addressee_among(&threads, now()), Addressee::Nobody);
        assert_eq!(addressee_among(&[thread(1, false, Some(24))], now()), Addressee::One(RequestId(1)));
    }

    #[test]
    fn two_recent_conversations_are_a_choice() {
        let threads = [thread(1, false, Some(1)), thread(2, true, Some(3)), thread(3, true, None)];
        assert_eq!(addressee_among(&threads, now()), Addressee::Several(vec![RequestId(1), RequestId(2)]));
    }

    #[test]
    fn a_responder_holding_one_accepted_request_writes_to_its_resident() {
        let threads = [thread(4, true, None), thread(5, false, None)];
        assert_eq!(addressee_among(&threads, now()), Addressee::One(RequestId(4)));
    }

    #[test]
    fn a_responder_holding_several_writes_to_the_one_whose_resident_wrote_recently() {
        let threads = [thread(4, true, None), thread(5, true, Some(1)), thread(6, true, Some(30))];
        assert_eq!(addressee_among(&threads, now()), Addressee::One(RequestId(5)));
        let quiet = [thread(4, true, None), thread(6, true, Some(30))];
        assert_eq!(addressee_among(&quiet, now()), Addressee::Several(vec![RequestId(4), RequestId(6)]));
    }

    #[test]
    fn nobody_is_written_to_without_a_conversation() {
        assert_eq!(addressee_among(&[], now()), Addressee::Nobody);
        assert_eq!(addressee_among(&[thread(1, false, None)], now()), Addressee::Nobody);
    }
}
