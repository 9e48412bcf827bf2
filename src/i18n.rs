//! Every text a user sees comes from the Fluent files under `locales/`.
//! `fl!` checks at compile time that a key exists in the fallback language
//! (zh-CN); a test checks that both languages have the same keys.

use i18n_embed::LanguageLoader;
use i18n_embed::fluent::{FluentLanguageLoader, fluent_language_loader};
use rust_embed::RustEmbed;
use serde::{Deserialize, Serialize};
use unic_langid::LanguageIdentifier;

pub mod labels;

#[derive(RustEmbed)]
#[folder = "locales/"]
struct Localizations;

/// The languages we speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    pub fn code(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// Maps a stored code or a Telegram client's `language_code` (`zh-hans`,
    /// `en-GB`…) to one of ours.
    pub fn from_code(code: &str) -> Option<Locale> {
        let primary = code.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Locale::ZhCn),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    fn id(self) -> LanguageIdentifier {
        self.code().parse().unwrap_or_default()
    }
}

/// One loader per language, built once at start-up.
pub struct I18n {
    zh_cn: FluentLanguageLoader,
    en: FluentLanguageLoader,
}

impl I18n {
    pub fn load() -> anyhow::Result<I18n> {
        let loader: FluentLanguageLoader = fluent_language_loader!();
        loader.load_languages(&Localizations, &[Locale::ZhCn.id(), Locale::En.id()])?;
        // Fluent wraps placeables in Unicode isolation marks by default; a
        // plain-text chat message would show them as stray characters.
        loader.set_use_isolating(false);
        let zh_cn = loader.select_languages(&[Locale::ZhCn.id()]);
        let en = loader.select_languages(&[Locale::En.id(), Locale::ZhCn.id()]);
        Ok(I18n { zh_cn, en })
    }

    pub fn get(&self, locale: Locale) -> &FluentLanguageLoader {
        match locale {
            Locale::ZhCn => &self.zh_cn,
            Locale::En => &self.en,
        }
    }
}

/// The message keys defined in one language's file, for the test that keeps
/// the two languages in step.
pub fn keys_of(locale: Locale) -> Vec<String> {
    let mut keys: Vec<String> = messages_of(locale).into_iter().map(|(key, _)| key).collect();
    keys.sort();
    keys
}

/// Each message of one language's file with its source text: a message
/// starts on a line that begins with its key and runs on over the indented
/// (or blank) lines after it.
fn messages_of(locale: Locale) -> Vec<(String, String)> {
    let path = format!("{}/community_desk.ftl", locale.code());
    let Some(file) = Localizations::get(&path) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&file.data).into_owned();
    let mut messages: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let starts_message = line.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if starts_message && let Some((key, body)) = line.split_once('=') {
            messages.push((key.trim().to_string(), body.to_string()));
        } else if line.starts_with('#') {
            continue;
        } else if let Some((_, body)) = messages.last_mut() {
            body.push('\n');
            body.push_str(line);
        }
    }
    messages
}

#[cfg(test)]
mod counts;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_define_the_same_messages() {
        let zh = keys_of(Locale::ZhCn);
        let en = keys_of(Locale::En);
        assert!(zh.len() > 20, "the zh-CN file should be found and parsed");
        let only_zh: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !zh.contains(k)).collect();
        assert!(only_zh.is_empty() && only_en.is_empty(), "only in zh-CN: {only_zh:?}; only in en: {only_en:?}");
    }

    #[test]
    fn every_message_of_both_languages_parses_and_renders() {
        let i18n = I18n::load().unwrap();
        for locale in Locale::ALL {
            for key in keys_of(locale) {
                assert!(i18n.get(locale).has(&key), "{key} missing in {locale:?}");
            }
        }
    }

    #[test]
    fn client_language_codes_map_to_ours() {
        assert_eq!(Locale::from_code("zh-hans"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_code("en-GB"), Some(Locale::En));
        assert_eq!(Locale::from_code("ru"), None);
    }
}
