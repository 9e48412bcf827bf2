//! The demo page: the clock and its controls, "Add a person", and one phone
//! per demo person with their chat as it stands.

use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;
use maud::{DOCTYPE, Markup, html};

use super::{Session, render};
use crate::domain::BuildingCode;
use crate::i18n::Locale;
use crate::store::DemoPerson;

/// What the page shows besides the chats.
pub struct Frame<'a> {
    pub locale: Locale,
    pub l: &'a FluentLanguageLoader,
    pub timezone: &'a str,
    pub buildings: &'a [BuildingCode],
}

pub fn page(frame: &Frame, session: &Session) -> Markup {
    let l = frame.l;
    let other = match frame.locale {
        Locale::ZhCn => Locale::En,
        Locale::En => Locale::ZhCn,
    };
    let offset = session.clock.offset_ms();
    html! {
        (DOCTYPE)
        html lang=(frame.locale.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (fl!(l, "demo-title")) }
                link rel="stylesheet" href="/assets/demo.css";
                script src="/assets/demo.js" defer {}
            }
            body data-photo-too-big=(fl!(l, "demo-photo-too-big")) data-file-too-big=(fl!(l, "demo-file-too-big"))
                data-reset-confirm=(fl!(l, "demo-reset-confirm")) {
                header.top {
                    h1 { (fl!(l, "demo-title")) }
                    p.intro { (fl!(l, "demo-intro")) }
                    div.controls {
                        span.clock {
                            (fl!(l, "demo-clock")) " "
                            time #clock data-offset=(offset) data-tz=(frame.timezone) data-lang=(frame.locale.code()) {}
                        }
                        button type="button" data-jump="10m" { (fl!(l, "demo-forward-10m")) }
                        button type="button" data-jump="1h" { (fl!(l, "demo-forward-1h")) }
                        button type="button" data-jump="1d" { (fl!(l, "demo-forward-1d")) }
                        button #reset type="button" { (fl!(l, "demo-reset")) }
                        form #add-person {
                            label {
                                (fl!(l, "demo-add-person-hint")) " "
                                select name="building" {
                                    @for code in frame.buildings {
                                        option value=(code.as_str()) { (code.as_str()) }
                                    }
                                }
                            }
                            input type="hidden" name="lang" value=(frame.locale.code());
                            button type="submit" { (fl!(l, "demo-add-person")) }
                        }
                        a.language href=(format!("/?lang={}", other.code())) { (fl!(l, "demo-other-language")) }
                    }
                }
                main.phones {
                    @for person in &session.people {
                        (phone(l, session, person))
                    }
                }
            }
        }
    }
}

fn phone(l: &FluentLanguageLoader, session: &Session, person: &DemoPerson) -> Markup {
    let id = person.telegram_id.0;
    let emulator = &session.emulator;
    html! {
        section.phone #(format!("p-{id}")) data-person=(id) {
            header {
                div.who {
                    strong { (person.name) }
                    span.part { (part(l, &person.part)) }
                }
                details.menu {
                    summary { "☰ " (fl!(l, "demo-menu")) }
                    div.commands #(format!("menu-{id}")) {
                        (render::menu(&emulator.menu(id, Some(&person.language))))
                    }
                }
            }
            div.chat #(format!("c-{id}")) {
                @for message in emulator.messages(id) {
                    (render::message(id, &message))
                }
            }
            div.toast #(format!("t-{id}")) {}
            div.replykb #(format!("k-{id}")) {
                (render::reply_keyboard(emulator.reply_keyboard(id).as_deref()))
            }
            p.error #(format!("e-{id}")) {}
            form.compose {
                label.attach {
                    (fl!(l, "demo-photo")) input type="file" accept="image/*" data-kind="photo";
                }
                label.attach {
                    (fl!(l, "demo-file")) input type="file" data-kind="document";
                }
                input type="text" name="text" autocomplete="off" placeholder=(fl!(l, "demo-message"));
                button type="submit" title=(fl!(l, "demo-send")) { "➤" }
            }
        }
    }
}

/// What the person plays, in the page's language.
fn part(l: &FluentLanguageLoader, part: &str) -> String {
    match part {
        "resident" => fl!(l, "demo-part-resident"),
        "liaison" => fl!(l, "demo-part-liaison"),
        "deputy" => fl!(l, "demo-part-deputy"),
        "group_leader" => fl!(l, "demo-part-group_leader"),
        "grid_leader" => fl!(l, "demo-part-grid_leader"),
        "admin" => fl!(l, "demo-part-admin"),
        _ => fl!(l, "demo-part-new_resident"),
    }
}
