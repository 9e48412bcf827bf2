//! A chat as the Telegram app shows it, in HTML: messages with their
//! formatting, media and inline keyboards; the reply keyboard; the command
//! menu. Nothing here depends on the page's language, so that a fragment
//! is rendered once for every open page.

use maud::{Markup, html};

use crate::emulator::{ChatMessage, Command, Entity, MediaKind, ReplyButton};

/// One message, with the element id the page replaces it by when it is
/// edited.
pub fn message(chat: i64, message: &ChatMessage) -> Markup {
    let side = if message.from_bot { "msg bot" } else { "msg me" };
    let file = format!("/api/people/{chat}/files/{}", message.id);
    html! {
        div class=(side) id=(format!("m-{chat}-{}", message.id)) data-id=(message.id) {
            @if let Some(media) = &message.media {
                @match media.kind {
                    MediaKind::Photo => img.photo src=(file) alt="photo";
                    _ => {
                        a.doc href=(file) download=(media.file_name.as_deref().unwrap_or("file")) {
                            "📄 " (media.file_name.as_deref().unwrap_or("file"))
                        }
                    }
                }
            }
            @if let Some(phone) = &message.contact_phone {
                div.contact { "📱 " (phone) }
            }
            @if let Some(text) = &message.text {
                div.text { (formatted(text, &message.entities)) }
            }
            @if message.edited {
                div.edited { "✎" }
            }
            @if !message.keyboard.is_empty() {
                div.keyboard {
                    @for row in &message.keyboard {
                        div.row {
                            @for button in row {
                                @if let Some(data) = &button.callback_data {
                                    button.inline type="button" data-message=(message.id) data-data=(data) { (button.text) }
                                } @else if let Some(url) = &button.url {
                                    a.inline href=(url) target="_blank" rel="noopener" { (button.text) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The reply keyboard shown in place of the keyboard of the phone, if any.
pub fn reply_keyboard(rows: Option<&[Vec<ReplyButton>]>) -> Markup {
    html! {
        @for row in rows.unwrap_or_default() {
            div.row {
                @for button in row {
                    button.reply type="button" data-contact=(button.request_contact) { (button.text) }
                }
            }
        }
    }
}

/// The command menu, each command a button that sends it.
pub fn menu(commands: &[Command]) -> Markup {
    html! {
        @for command in commands {
            button.command type="button" data-command=(format!("/{}", command.command)) {
                b { "/" (command.command) } " " (command.description)
            }
        }
    }
}

/// The text with Telegram's formatting entities as HTML. Offsets count
/// UTF-16 units, as Telegram's do; an entity inside or across another is
/// left plain.
fn formatted(text: &str, entities: &[Entity]) -> Markup {
    let units: Vec<u16> = text.encode_utf16().collect();
    let slice = |from: usize, to: usize| String::from_utf16_lossy(&units[from.min(units.len())..to.min(units.len())]);
    let mut entities: Vec<&Entity> = entities.iter().collect();
    entities.sort_by_key(|entity| entity.offset);
    let mut parts = Vec::new();
    let mut at = 0;
    for entity in entities {
        if entity.offset < at {
            continue;
        }
        parts.push(html! { (slice(at, entity.offset)) });
        parts.push(span(entity, &slice(entity.offset, entity.offset + entity.length)));
        at = entity.offset + entity.length;
    }
    parts.push(html! { (slice(at, units.len())) });
    html! { @for part in parts { (part) } }
}

fn span(entity: &Entity, text: &str) -> Markup {
    match entity.kind.as_str() {
        "bold" => html! { strong { (text) } },
        "italic" => html! { em { (text) } },
        "underline" => html! { u { (text) } },
        "strikethrough" => html! { s { (text) } },
        "code" => html! { code { (text) } },
        "pre" => html! { pre { (text) } },
        "spoiler" => html! { span.spoiler { (text) } },
        "text_link" => {
            html! { a href=(entity.url.as_deref().unwrap_or("#")) target="_blank" rel="noopener" { (text) } }
        }
        "url" => html! { a href=(text) target="_blank" rel="noopener" { (text) } },
        _ => html! { (text) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(kind: &str, offset: usize, length: usize) -> Entity {
        Entity { kind: kind.into(), offset, length, url: None }
    }

    #[test]
    fn formatting_is_applied_by_utf16_offsets_and_text_is_escaped() {
        // "😀" is two UTF-16 units, so "bold" starts at unit 3.
        let html = formatted("😀 bold <b>", &[entity("bold", 3, 4)]).into_string();
        assert_eq!(html, "😀 <strong>bold</strong> &lt;b&gt;");
    }

    #[test]
    fn an_overlapping_entity_is_left_plain() {
        let html = formatted("abcdef", &[entity("bold", 0, 4), entity("italic", 2, 2)]).into_string();
        assert_eq!(html, "<strong>abcd</strong>ef");
    }
}
