//! Counts read right in both languages: every message that takes a count is
//! rendered with 0, 1 and 2, and the code passes counts as numbers, which is
//! what Fluent's plural selectors need (a count passed as text always falls
//! to the `other` variant: "1 requests").
//!
//! A variable is a count by its name. Every variable of every message must be
//! named in one of the two lists below, so that a new message cannot take a
//! count without this test rendering it.

use std::collections::{BTreeSet, HashMap};

use super::{I18n, Locale, messages_of};

/// Variable names that hold a count.
const COUNTS: &[&str] = &[
    "accepted",
    "acknowledged",
    "care",
    "after",
    "count",
    "created",
    "days",
    "decided",
    "delivered",
    "due",
    "households",
    "known",
    "max",
    "members",
    "messages",
    "met",
    "minutes",
    "moved",
    "n",
    "overdue",
    "ratings",
    "recipients",
    "requests",
    "residents",
    "resolved",
    "retention",
    "rows",
    "running",
    "stars",
    "target",
    "total",
    "unchanged",
    "unreachable",
    "updated",
    "updates",
    "visited",
];

/// Variable names that hold anything else: names, texts, request numbers
/// ("#1042"), dates, durations and shares already written out.
const NOT_COUNTS: &[&str] = &[
    "accept",
    "age",
    "assignee",
    "at",
    "building",
    "categories",
    "category",
    "clock",
    "code",
    "date",
    "dates",
    "day",
    "deadline",
    "description",
    "estate",
    "example",
    "expected",
    "file",
    "first",
    "from",
    "hours",
    "into",
    "kind",
    "level",
    "line",
    "link",
    "mark",
    "month",
    "name",
    "note",
    "number",
    "oldest",
    "open",
    "outcome",
    "rank",
    "rating",
    "reason",
    "reopened",
    "resolve",
    "responder",
    "role",
    "roles",
    "room",
    "share",
    "status",
    "tags",
    "text",
    "time",
    "typed",
    "unit",
    "units",
    "until",
    "urgency",
    "value",
    "visit",
    "weekday",
    "who",
    "within",
    "year",
];

/// English nouns that a count may precede; after 0 or 2 they must be plural.
const NOUNS: &[&str] = &[
    "attachment",
    "character",
    "day",
    "hour",
    "household",
    "minute",
    "problem",
    "rating",
    "request",
    "resident",
    "second",
    "star",
];

/// Words ending in "s" that may follow "1" in English.
const NOT_PLURALS: &[&str] = &["is", "was", "has", "its", "as"];

fn variables(body: &str) -> BTreeSet<String> {
    body.split('$')
        .skip(1)
        .map(|rest| rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect())
        .collect()
}

/// The words that follow the number `n` in `text`.
fn words_after(text: &str, n: u32) -> Vec<String> {
    let n = n.to_string();
    let punctuation = |c: char| !c.is_alphanumeric();
    let tokens: Vec<&str> = text.split_whitespace().collect();
    tokens
        .windows(2)
        .filter(|pair| pair[0].trim_start_matches(punctuation) == n)
        .map(|pair| pair[1].trim_end_matches(punctuation).to_lowercase())
        .collect()
}

#[test]
fn every_variable_is_known_as_a_count_or_not() {
    for locale in Locale::ALL {
        for (key, body) in messages_of(locale) {
            for variable in variables(&body) {
                assert!(
                    COUNTS.contains(&variable.as_str()) ^ NOT_COUNTS.contains(&variable.as_str()),
                    "{key} in {locale:?} takes ${variable}: add it to COUNTS or NOT_COUNTS in {}",
                    file!()
                );
            }
        }
    }
}

#[test]
fn every_message_with_a_count_reads_right_with_zero_one_and_two() {
    let i18n = I18n::load().unwrap();
    let mut rendered = 0;
    for locale in Locale::ALL {
        let loader = i18n.get(locale);
        for (key, body) in messages_of(locale) {
            let variables = variables(&body);
            if !variables.iter().any(|v| COUNTS.contains(&v.as_str())) {
                continue;
            }
            for n in 0..=2_u32 {
                let mut args = HashMap::new();
                for variable in &variables {
                    let value = if COUNTS.contains(&variable.as_str()) { n.into() } else { "X".into() };
                    args.insert(variable.as_str(), value);
                }
                let text = loader.get_args_concrete(&key, args);
                rendered += 1;
                assert!(!text.contains("(s)"), "{key} in {locale:?} with {n}: {text}");
                if locale != Locale::En {
                    continue;
                }
                for word in words_after(&text, n) {
                    let wrong = if n == 1 {
                        word.ends_with('s') && !NOT_PLURALS.contains(&word.as_str())
                    } else {
                        NOUNS.contains(&word.as_str())
                    };
                    assert!(!wrong, "{key} with {n} reads \"{n} {word}\": {text}");
                }
            }
        }
    }
    assert!(rendered > 60, "the messages with counts should be found ({rendered} renderings)");
}

#[test]
fn the_english_plural_check_catches_the_wrong_forms() {
    assert_eq!(words_after("You hold 1 requests, overdue first", 1), ["requests"]);
    assert_eq!(words_after("📎 2 attachment", 2), ["attachment"]);
    assert_eq!(words_after("(1 ratings)", 1), ["ratings"]);
    assert!(words_after("Reminder 1: request #1001", 1).is_empty());
}

/// `fl!` passes a value as a number only when it is one; `n.to_string()`
/// turns a count into text, and the plural selector then always picks
/// `other`. This looks through the source for a count given as text.
#[test]
fn the_code_passes_counts_to_messages_as_numbers() {
    let mut stringified = Vec::new();
    let mut calls = 0;
    for path in rust_files(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))) {
        let source = std::fs::read_to_string(&path).unwrap();
        for (at, _) in source.match_indices("fl!(") {
            calls += 1;
            for argument in arguments(&source[at + 4..]) {
                let Some((name, value)) = argument.split_once('=') else { continue };
                let name = name.trim();
                if COUNTS.contains(&name) && (value.contains("to_string()") || value.contains("format!")) {
                    stringified.push(format!("{}: {name} ={value}", path.display()));
                }
            }
        }
    }
    assert!(calls > 100, "the calls of fl! should be found ({calls})");
    assert!(stringified.is_empty(), "counts passed as text: {stringified:#?}");
}

fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The top-level arguments of a macro call whose text starts just after its
/// opening parenthesis.
fn arguments(call: &str) -> Vec<String> {
    let (mut depth, mut in_string, mut escaped) = (0_i32, false, false);
    let mut arguments = vec![String::new()];
    for c in call.chars() {
        if in_string {
            in_string = c != '"' || escaped;
            escaped = c == '\\' && !escaped;
        } else {
            match c {
                '"' => in_string = true,
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth == 0 => break,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    arguments.push(String::new());
                    continue;
                }
                _ => {}
            }
        }
        if let Some(last) = arguments.last_mut() {
            last.push(c);
        }
    }
    arguments
}
