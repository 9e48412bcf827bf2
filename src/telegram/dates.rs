//! Dates and times as people read them: in the community's timezone, with
//! the weekday, the day and the month written out ("Wednesday 2 December,
//! 08:00", "12月2日（周三）08:00"), never as digits whose order a reader
//! must guess ("12-02"). Every date the bot writes to a person goes through
//! here; the words are in the locale files (`date-*`).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;

/// An instant, for a message read as it arrives: "today", "tomorrow" and
/// "yesterday" where they are true at `now` in `timezone`, the date
/// otherwise (with its year when that is not this year).
pub fn moment(l: &FluentLanguageLoader, at: DateTime<Utc>, now: DateTime<Utc>, timezone: Tz) -> String {
    let local = at.with_timezone(&timezone);
    let today = now.with_timezone(&timezone).date_naive();
    let date = local.date_naive();
    let time = local.format("%H:%M").to_string();
    match (date - today).num_days() {
        0 => fl!(l, "date-today", time = time),
        1 => fl!(l, "date-tomorrow", date = day(l, date, today), time = time),
        -1 => fl!(l, "date-yesterday", time = time),
        _ => fl!(l, "date-at", date = day(l, date, today), time = time),
    }
}

/// A calendar day: its weekday, day and month, and its year when that is
/// not the year of `today`.
pub fn day(l: &FluentLanguageLoader, date: NaiveDate, today: NaiveDate) -> String {
    let (weekday, day, month) = (date.weekday().number_from_monday(), date.day(), date.month());
    if date.year() == today.year() {
        fl!(l, "date", weekday = weekday, day = day, month = month)
    } else {
        fl!(l, "date-year", weekday = weekday, day = day, month = month, year = date.year())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::i18n::{I18n, Locale};

    const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

    fn at(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        SHANGHAI.with_ymd_and_hms(year, month, day, hour, minute, 0).unwrap().with_timezone(&Utc)
    }

    /// Both languages for the same instants, seen on Tuesday 1 December
    /// 2026 at 23:10 in Shanghai (15:10 UTC, still "today" in UTC as well).
    fn both(when: DateTime<Utc>) -> (String, String) {
        let i18n = I18n::load().unwrap();
        let now = at(2026, 12, 1, 23, 10);
        (moment(i18n.get(Locale::En), when, now, SHANGHAI), moment(i18n.get(Locale::ZhCn), when, now, SHANGHAI))
    }

    #[test]
    fn tomorrow_morning_is_named_with_its_weekday_day_and_month() {
        let (en, zh) = both(at(2026, 12, 2, 8, 0));
        assert_eq!(en, "tomorrow, Wednesday 2 December, 08:00");
        assert_eq!(zh, "明天 12月2日（周三）08:00");
    }

    #[test]
    fn today_and_yesterday_say_so() {
        assert_eq!(both(at(2026, 12, 1, 23, 40)), ("today, 23:40".into(), "今天 23:40".into()));
        assert_eq!(both(at(2026, 11, 30, 9, 5)), ("yesterday, 09:05".into(), "昨天 09:05".into()));
    }

    #[test]
    fn other_days_are_written_out_with_the_year_only_when_it_differs() {
        let (en, zh) = both(at(2026, 12, 3, 8, 30));
        assert_eq!(en, "Thursday 3 December, 08:30");
        assert_eq!(zh, "12月3日（周四）08:30");
        let (en, zh) = both(at(2027, 1, 4, 8, 0));
        assert_eq!(en, "Monday 4 January 2027, 08:00");
        assert_eq!(zh, "2027年1月4日（周一）08:00");
    }

    #[test]
    fn the_day_is_the_community_s_day_not_utc_s() {
        // 00:30 on 2 December in Shanghai is still 1 December in UTC.
        let (en, zh) = both(at(2026, 12, 2, 0, 30));
        assert_eq!(en, "tomorrow, Wednesday 2 December, 00:30");
        assert_eq!(zh, "明天 12月2日（周三）00:30");
    }
}
