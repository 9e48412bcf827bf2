//! Validated identifiers and inputs. Each is parsed once at the edge (a CSV
//! cell, a deep link, a chat message) and trusted everywhere after that.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::DomainError;

/// A Telegram user id. People are identified by it, never by username,
/// because usernames can be changed or given away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TelegramId(pub i64);

/// Our own id of a person. A person listed in `people.csv` exists before we
/// know their Telegram account, so the two ids are distinct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PersonId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnitId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RequestId(pub i64);

/// The number of a request as residents read it aloud (`#1042`), unique within
/// one community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RequestNumber(pub i64);

impl RequestNumber {
    /// Accepts `1042` and `#1042`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let digits = input.trim().trim_start_matches('#');
        match digits.parse::<i64>() {
            Ok(n) if n > 0 && digits.chars().all(|c| c.is_ascii_digit()) => Ok(Self(n)),
            _ => Err(DomainError::InvalidRequestNumber),
        }
    }
}

impl fmt::Display for RequestNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The code of a building, printed on the stairwell QR code and used in the
/// `b_<code>` deep link. Telegram allows only `A-Z a-z 0-9 _ -` in a start
/// parameter, so codes are ASCII; they are compared case-insensitively and
/// stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BuildingCode(String);

impl BuildingCode {
    pub const MAX_LEN: usize = 24;

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let code = input.trim();
        let valid = !code.is_empty()
            && code.len() <= Self::MAX_LEN
            && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if valid { Ok(Self(code.to_ascii_uppercase())) } else { Err(DomainError::InvalidBuildingCode) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BuildingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number normalised to `+<country><number>`. Chinese mobile numbers
/// written without a country code (`138 1234 5678`) get `+86`.
///
/// `Debug` shows only the last four digits, so a phone number cannot reach a
/// log line through a `{:?}`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        let plus = trimmed.starts_with('+');
        let mut digits = String::new();
        for c in trimmed.trim_start_matches('+').chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' => {}
                _ => return Err(DomainError::InvalidPhone),
            }
        }
        let is_cn_mobile = |d: &str| d.len() == 11 && d.starts_with('1');
        let normalised = if !plus && is_cn_mobile(&digits) {
            format!("+86{digits}")
        } else if digits.starts_with("86") && is_cn_mobile(&digits[2..]) {
            format!("+{digits}")
        } else if (plus || digits.len() > 11) && (8..=15).contains(&digits.len()) {
            // Telegram reports contacts' numbers with the country code but
            // often without the plus sign, so a long number is taken as
            // international.
            format!("+{digits}")
        } else {
            return Err(DomainError::InvalidPhone);
        };
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with all but the last four digits hidden, for screens that
    /// confirm which number was meant.
    pub fn masked(&self) -> String {
        let tail: String = self.0.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
        format!("***{tail}")
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

/// A room number as the resident writes it (`302`, `2-1101`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room(String);

impl Room {
    pub const MAX_CHARS: usize = 16;

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let room = input.trim();
        let ok = !room.is_empty()
            && room.chars().count() <= Self::MAX_CHARS
            && room.chars().all(|c| c.is_alphanumeric() || "-#/ ".contains(c));
        if ok { Ok(Self(room.to_string())) } else { Err(DomainError::InvalidRoom) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_mobile_numbers_get_the_country_code() {
        assert_eq!(Phone::parse("138 1234 5678").unwrap().as_str(), "+8613812345678");
        assert_eq!(Phone::parse("+86 138-1234-5678").unwrap().as_str(), "+8613812345678");
        assert_eq!(Phone::parse("8613812345678").unwrap().as_str(), "+8613812345678");
    }

    #[test]
    fn foreign_numbers_keep_their_country_code() {
        assert_eq!(Phone::parse("+44 20 7946 0958").unwrap().as_str(), "+442079460958");
    }

    #[test]
    fn malformed_phones_are_refused() {
        for bad in ["", "12345", "1381234567x", "phone", "+1", "23812345678"] {
            assert!(Phone::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn a_phone_never_shows_in_debug_output() {
        let phone = Phone::parse("13812345678").unwrap();
        let shown = format!("{phone:?}");
        assert!(!shown.contains("138123"), "{shown}");
        assert!(shown.ends_with("5678)"));
    }

    #[test]
    fn building_codes_are_case_insensitive_and_ascii() {
        assert_eq!(BuildingCode::parse(" e01 ").unwrap().as_str(), "E01");
        assert!(BuildingCode::parse("东01").is_err());
        assert!(BuildingCode::parse("E 01").is_err());
        assert!(BuildingCode::parse("").is_err());
    }

    #[test]
    fn request_numbers_read_with_or_without_hash() {
        assert_eq!(RequestNumber::parse("#1042").unwrap(), RequestNumber(1042));
        assert_eq!(RequestNumber::parse("1042").unwrap(), RequestNumber(1042));
        assert!(RequestNumber::parse("10x").is_err());
        assert!(RequestNumber::parse("-3").is_err());
        assert_eq!(RequestNumber(1042).to_string(), "#1042");
    }

    #[test]
    fn rooms_are_short_and_plain() {
        assert_eq!(Room::parse(" 2-1101 ").unwrap().as_str(), "2-1101");
        assert!(Room::parse(&"1".repeat(40)).is_err());
        assert!(Room::parse("<b>").is_err());
    }
}
