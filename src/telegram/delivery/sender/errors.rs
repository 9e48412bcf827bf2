//! What a failed send means for its message: try again (perhaps after a
//! time Telegram names), never (the request was wrong), or never to this
//! recipient (they blocked the bot or are gone).

use std::time::Duration;

use teloxide::{ApiError, RequestError};

/// How a send ended, as far as the outbox is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Sent; the message id when Telegram gave one.
    Sent(Option<i32>),
    /// Try again later: Telegram asked us to wait, or the network failed.
    Retry { after: Option<Duration>, reason: String },
    /// The recipient cannot be reached (blocked the bot, deactivated, never
    /// started it): give up and stop routing to them.
    Unreachable(String),
    /// Telegram refused this message for good.
    Rejected(String),
}

/// Classifies a failed request. teloxide does not recognise every text
/// Telegram uses, so the texts of unknown errors are classified by prefix.
pub fn classify(error: &RequestError) -> Verdict {
    match error {
        RequestError::RetryAfter(seconds) => {
            Verdict::Retry { after: Some(seconds.duration()), reason: "rate limited by Telegram".into() }
        }
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            Verdict::Retry { after: None, reason: "network or server failure".into() }
        }
        RequestError::Api(api) => classify_api(api),
        RequestError::MigrateToChatId(_) => Verdict::Rejected("chat migrated".into()),
    }
}

fn classify_api(error: &ApiError) -> Verdict {
    match error {
        ApiError::BotBlocked
        | ApiError::UserDeactivated
        | ApiError::CantInitiateConversation
        | ApiError::CantTalkWithBots
        | ApiError::ChatNotFound
        | ApiError::BotKicked
        | ApiError::BotKickedFromSupergroup
        | ApiError::BotKickedFromChannel => Verdict::Unreachable(error.to_string()),
        ApiError::MessageNotModified => Verdict::Sent(None),
        ApiError::Unknown(text) => classify_text(text),
        other => Verdict::Rejected(other.to_string()),
    }
}

fn classify_text(text: &str) -> Verdict {
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("forbidden:") || lower.contains("chat not found") || lower.contains("user is deactivated") {
        Verdict::Unreachable(text.to_string())
    } else if lower.contains("message is not modified") {
        Verdict::Sent(None)
    } else if lower.starts_with("bad request:") {
        Verdict::Rejected(text.to_string())
    } else {
        // Server errors ("Internal Server Error", "Bad Gateway") and texts we
        // have never seen are worth another try; the attempt limit stops it.
        Verdict::Retry { after: None, reason: text.chars().take(120).collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_texts_teloxide_does_not_know_mean_unreachable() {
        let verdict = classify(&RequestError::Api(ApiError::Unknown("Forbidden: bot was blocked by the user ".into())));
        assert!(matches!(verdict, Verdict::Unreachable(_)));
        assert!(matches!(classify(&RequestError::Api(ApiError::BotBlocked)), Verdict::Unreachable(_)));
        assert!(matches!(classify(&RequestError::Api(ApiError::ChatNotFound)), Verdict::Unreachable(_)));
    }

    #[test]
    fn server_errors_are_retried_and_bad_requests_are_not() {
        let server = classify(&RequestError::Api(ApiError::Unknown("Internal Server Error".into())));
        assert!(matches!(server, Verdict::Retry { after: None, .. }));
        let bad = classify(&RequestError::Api(ApiError::Unknown("Bad Request: message text is empty".into())));
        assert!(matches!(bad, Verdict::Rejected(_)));
    }

    #[test]
    fn retry_after_is_honoured() {
        let verdict = classify(&RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(7)));
        assert_eq!(
            verdict,
            Verdict::Retry { after: Some(Duration::from_secs(7)), reason: "rate limited by Telegram".into() }
        );
    }
}
