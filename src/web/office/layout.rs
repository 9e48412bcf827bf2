//! The frame of every office page: navigation, sign-out, styles, and a few
//! lines of script that refresh the figures every five seconds.

use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::i18n::Locale;

const STYLE: &str = r#"
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:0;color:#1d2430;background:#f5f6f8}
nav{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;padding:.6rem 1.2rem;background:#24415f}
nav a{color:#fff;text-decoration:none}nav form{margin-left:auto}
main{padding:1rem 1.2rem;max-width:1200px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{padding:.35rem .5rem;border-bottom:1px solid #dde1e6;text-align:left}
.tiles{display:flex;flex-wrap:wrap;gap:.5rem}
.tile{display:flex;flex-direction:column;min-width:6.5rem;padding:.5rem;border-radius:.4rem;color:#1d2430;text-decoration:none;border:1px solid #c9ced6}
.overdue{background:#f4b4b4}.waiting{background:#f7dd9c}.open{background:#b9d7f2}.quiet{background:#e3eee3}
.legend{display:flex;gap:1rem;list-style:none;padding:0}.swatch{display:inline-block;width:1rem;height:1rem;border-radius:.2rem;vertical-align:middle}
.refused{color:#9b1c1c}.counts{font-size:.85rem}
.attachments{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;padding:0}.attachments img{max-width:16rem;max-height:12rem;border-radius:.3rem}
form.note,form.take-over,form.assign{margin:.6rem 0}textarea{font:inherit;vertical-align:top;max-width:100%}
@media (max-width:900px){table{display:block;overflow-x:auto}main{padding:.8rem}}
"#;

/// Replaces the page's `<main>` with a fresh copy every five seconds, unless
/// someone is filling in a form.
const REFRESH: &str = r#"
setInterval(async () => {
  const a = document.activeElement;
  if (a && ["INPUT", "SELECT", "TEXTAREA"].includes(a.tagName)) return;
  const r = await fetch(location.href, {credentials: "same-origin"});
  if (!r.ok) return;
  const next = new DOMParser().parseFromString(await r.text(), "text/html").querySelector("main");
  if (next) document.querySelector("main").replaceWith(next);
}, 5000);
"#;

pub fn page(l: &FluentLanguageLoader, locale: Locale, csrf: &str, body: Markup, refresh: bool) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(locale.code()) {
            (head(l))
            body {
                nav {
                    a href="/office" { (fl!(l, "office-nav-community")) }
                    a href="/office/queues" { (fl!(l, "office-nav-queues")) }
                    a href="/office/stats" { (fl!(l, "office-nav-stats")) }
                    a href="/office/people" { (fl!(l, "office-nav-people")) }
                    a href="/office/export" { (fl!(l, "office-nav-export")) }
                    form method="post" action="/office/sign-out" {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" { (fl!(l, "office-sign-out")) }
                    }
                }
                main { (body) }
                @if refresh { script { (PreEscaped(REFRESH)) } }
            }
        }
    }
}

fn head(l: &FluentLanguageLoader) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (fl!(l, "office-signed-out-title")) }
            style { (PreEscaped(STYLE)) }
        }
    }
}

/// A page for someone not signed in: what to do, never any data.
pub fn signed_out(l: &FluentLanguageLoader, locale: Locale, message: String) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(locale.code()) {
            (head(l))
            body { main { h1 { (fl!(l, "office-signed-out-title")) } p { (message) } } }
        }
    }
}
