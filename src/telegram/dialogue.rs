//! The conversations the bot leads — registration and reporting — as state
//! stored in the database, so a restart in the middle loses nothing.

use i18n_embed_fl::fl;
use serde::{Deserialize, Serialize};
use teloxide::types::MessageId;

use super::callback::{CallbackData, Field, Step};
use super::render;
use crate::domain::{Attachment, Category, RequestId, Urgency};
use crate::i18n::Locale;
use crate::telegram::delivery::outgoing::{Button, Keyboard, Outgoing};
use crate::telegram::delivery::turn::Turn;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Dialogue {
    RegBuilding,
    RegRoom {
        building: i64,
    },
    RegPhone {
        building: i64,
        room: Option<String>,
    },
    RegPrivacy {
        building: i64,
        room: Option<String>,
    },
    StaffPhone,
    Report {
        draft: Draft,
    },
    /// A responder writes what was done before a request is resolved.
    ResolveNote {
        request: i64,
    },
    /// A responder writes their own reason for declining.
    DeclineNote {
        request: i64,
    },
    /// A resident says what is still wrong before a request is reopened.
    ReopenReason {
        request: i64,
    },
    /// The next message goes to the other side of a request.
    Relay {
        request: i64,
    },
    /// Something typed outside any dialogue while several conversations
    /// were in progress, kept until the person says which request it is for.
    ReplyChoice {
        requests: Vec<i64>,
        text: String,
        attachment: Option<Attachment>,
    },
    /// `/import` waits for directory files sent as documents, since the
    /// time (ms) it began or took its last file.
    Import {
        #[serde(default)]
        since: i64,
    },
    /// `/broadcast`: which unit's residents.
    NoticeUnit,
    /// `/broadcast`: the text of the notice.
    NoticeText {
        unit: i64,
    },
    /// `/broadcast`: the preview is shown; Send or Cancel.
    NoticeConfirm {
        unit: i64,
        text: String,
    },
}

/// How long `/import` waits for the next file before it ends by itself.
pub const IMPORT_IDLE: chrono::Duration = chrono::Duration::minutes(10);

impl Dialogue {
    /// The button whose action this step finishes, when it is about a
    /// request: its answer is refused as that button would be.
    pub fn finishes(&self) -> Option<CallbackData> {
        match *self {
            Dialogue::ResolveNote { request } => Some(CallbackData::Resolve(RequestId(request))),
            Dialogue::DeclineNote { request } => {
                Some(CallbackData::DeclineWith(RequestId(request), super::callback::DeclineReason::Other))
            }
            Dialogue::ReopenReason { request } => Some(CallbackData::Fixed(RequestId(request), false)),
            Dialogue::Relay { request } => Some(CallbackData::Talk(RequestId(request))),
            _ => None,
        }
    }

    /// Whether this is an `/import` still waiting for files at `now_ms`.
    pub fn awaits_file(&self, now_ms: i64) -> bool {
        matches!(self, Dialogue::Import { since } if now_ms - since <= IMPORT_IDLE.num_milliseconds())
    }
}

/// A report being composed. Steps are asked in order for whatever is still
/// missing, so editing one field returns straight to the summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub category: Option<Category>,
    pub text: String,
    pub attachments: Vec<Attachment>,
    pub description_done: bool,
    pub urgency: Option<Urgency>,
    pub editing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStep {
    Category,
    Description,
    Urgency,
    Confirm,
    EditChoice,
}

impl Draft {
    pub fn step(&self) -> ReportStep {
        if self.editing {
            ReportStep::EditChoice
        } else if self.category.is_none() {
            ReportStep::Category
        } else if !self.description_done {
            ReportStep::Description
        } else if self.urgency.is_none() {
            ReportStep::Urgency
        } else {
            ReportStep::Confirm
        }
    }

    pub fn has_description(&self) -> bool {
        !self.text.trim().is_empty() || !self.attachments.is_empty()
    }
}

impl Turn<'_> {
    /// Where the sender's dialogue stands, as this turn left it so far.
    pub fn dialogue(&mut self) -> Option<Dialogue> {
        let parsed = serde_json::from_str(self.dialogue_state()?);
        match parsed {
            Ok(dialogue) => Some(dialogue),
            Err(error) => {
                // State written by an older version that no longer parses is
                // dropped rather than leaving the person stuck.
                // The error text could quote what the person wrote; its
                // position is enough to find the fault.
                tracing::warn!(line = error.line(), column = error.column(), "dropping unreadable dialogue state");
                self.change_dialogue(None);
                None
            }
        }
    }

    pub fn set_dialogue(&mut self, dialogue: &Dialogue) -> anyhow::Result<()> {
        self.change_dialogue(Some(serde_json::to_string(dialogue)?));
        Ok(())
    }

    pub fn end_dialogue(&mut self) {
        self.change_dialogue(None);
    }

    /// Asks the question of the step the dialogue is at.
    pub async fn prompt(&mut self, dialogue: &Dialogue) -> anyhow::Result<()> {
        let l = self.l();
        match dialogue {
            Dialogue::RegBuilding => self.say(fl!(l, "ask-building")),
            Dialogue::RegRoom { .. } => {
                let skip = Button::new(fl!(l, "button-skip"), CallbackData::Step(Step::SkipRoom).encode());
                self.reply(fl!(l, "ask-room"), Some(Keyboard::Inline(vec![vec![skip]])));
            }
            Dialogue::RegPhone { .. } | Dialogue::StaffPhone => {
                let text = if matches!(dialogue, Dialogue::StaffPhone) {
                    fl!(l, "ask-staff-phone")
                } else {
                    fl!(l, "ask-phone")
                };
                let keyboard =
                    Keyboard::ShareContact { share: fl!(l, "button-share-phone"), skip: fl!(l, "button-skip") };
                self.reply(text, Some(keyboard));
            }
            Dialogue::RegPrivacy { .. } => {
                let buttons = vec![vec![
                    Button::new(
                        fl!(l, "button-privacy-accept"),
                        CallbackData::Step(Step::Privacy { accepted: true }).encode(),
                    ),
                    Button::new(
                        fl!(l, "button-privacy-decline"),
                        CallbackData::Step(Step::Privacy { accepted: false }).encode(),
                    ),
                ]];
                self.reply(fl!(l, "ask-privacy"), Some(Keyboard::Inline(buttons)));
            }
            Dialogue::Report { draft } => self.prompt_report(draft),
            Dialogue::ResolveNote { .. } => self.say(fl!(l, "ask-resolve-note")),
            Dialogue::DeclineNote { .. } => self.say(fl!(l, "ask-decline-note")),
            Dialogue::ReopenReason { .. } => self.say(fl!(l, "ask-reopen-reason")),
            Dialogue::Relay { .. } => self.say(fl!(l, "ask-relay")),
            Dialogue::ReplyChoice { requests, .. } => self.ask_which(requests).await?,
            Dialogue::Import { .. } => self.say(fl!(l, "import-ask", minutes = IMPORT_IDLE.num_minutes())),
            Dialogue::NoticeUnit => self.say(fl!(l, "notice-choose-unit")),
            Dialogue::NoticeText { .. } => self.say(fl!(l, "notice-ask-text-again")),
            Dialogue::NoticeConfirm { .. } => self.say(fl!(l, "notice-confirm-again")),
        }
        Ok(())
    }

    /// Asks which of `requests` a kept message is for, one button each.
    async fn ask_which(&mut self, requests: &[i64]) -> anyhow::Result<()> {
        let l = self.l();
        let mut buttons = Vec::new();
        for id in requests {
            let Some(request) = self.tx.request_view(RequestId(*id)).await? else { continue };
            let label = fl!(
                l,
                "button-reply-to",
                number = request.number.to_string(),
                category = render::category(l, request.category)
            );
            buttons.push(vec![Button::new(label, CallbackData::ReplyTo(request.id).encode())]);
        }
        self.reply(fl!(l, "reply-which"), Some(Keyboard::Inline(buttons)));
        Ok(())
    }

    fn prompt_report(&mut self, draft: &Draft) {
        let l = self.l();
        let step = |s: Step| CallbackData::Step(s).encode();
        match draft.step() {
            ReportStep::Category => {
                let buttons = Category::ALL
                    .chunks(3)
                    .map(|row| {
                        row.iter().map(|c| Button::new(render::category(l, *c), step(Step::Category(*c)))).collect()
                    })
                    .collect();
                self.reply(fl!(l, "ask-category"), Some(Keyboard::Inline(buttons)));
            }
            ReportStep::Description => {
                let done = Button::new(fl!(l, "button-done"), step(Step::DescriptionDone));
                self.reply(fl!(l, "ask-description"), Some(Keyboard::Inline(vec![vec![done]])));
            }
            ReportStep::Urgency => {
                let buttons = Urgency::ALL
                    .iter()
                    .map(|u| vec![Button::new(render::urgency_choice(l, *u), step(Step::Urgency(*u)))])
                    .collect();
                self.reply(fl!(l, "ask-urgency"), Some(Keyboard::Inline(buttons)));
            }
            ReportStep::Confirm => {
                let text = summary(l, draft);
                let buttons = vec![vec![
                    Button::new(fl!(l, "button-confirm"), step(Step::Confirm)),
                    Button::new(fl!(l, "button-edit"), step(Step::Edit)),
                    Button::new(fl!(l, "button-cancel"), step(Step::Abort)),
                ]];
                self.reply(text, Some(Keyboard::Inline(buttons)));
            }
            ReportStep::EditChoice => {
                let buttons = vec![vec![
                    Button::new(fl!(l, "button-edit-category"), step(Step::EditField(Field::Category))),
                    Button::new(fl!(l, "button-edit-description"), step(Step::EditField(Field::Description))),
                    Button::new(fl!(l, "button-edit-urgency"), step(Step::EditField(Field::Urgency))),
                ]];
                self.reply(fl!(l, "ask-edit"), Some(Keyboard::Inline(buttons)));
            }
        }
    }

    /// After a detour (a command, a stray message) reminds the person where
    /// the conversation stands, so that it survives the detour.
    pub async fn remind(&mut self) -> anyhow::Result<()> {
        if let Some(dialogue) = self.dialogue() {
            let l = self.l();
            self.say(fl!(l, "still-in-dialogue"));
            self.prompt(&dialogue).await?;
        }
        Ok(())
    }

    /// The language chooser, offered by `/lang` and to people whose Telegram
    /// client speaks neither of our languages.
    pub fn offer_languages(&mut self) {
        let buttons = vec![
            Locale::ALL
                .iter()
                .map(|locale| {
                    let label = match locale {
                        Locale::ZhCn => "简体中文",
                        Locale::En => "English",
                    };
                    Button::new(label, CallbackData::Language(*locale).encode())
                })
                .collect(),
        ];
        let l = self.l();
        self.reply(fl!(l, "ask-language"), Some(Keyboard::Inline(buttons)));
    }
}

/// What a dialogue button led to.
pub enum Stepped {
    /// The dialogue moves on to this step, which is asked next.
    Next(Dialogue),
    /// The button was handled; the answer to show on it, if any.
    Answered(Option<String>),
    /// The dialogue is not at the step that asked the button.
    Stale,
}

/// Removes the buttons of the message a button was pressed on.
pub fn clear_buttons(turn: &mut Turn<'_>, message: Option<(i64, MessageId)>) {
    if let Some((chat, id)) = message {
        turn.send(Outgoing::ClearButtons { chat, message_id: id.0 });
    }
}

/// The summary shown before a report is sent.
pub fn summary(l: &i18n_embed::fluent::FluentLanguageLoader, draft: &Draft) -> String {
    let mut text = fl!(
        l,
        "report-summary",
        category = draft.category.map(|c| render::category(l, c)).unwrap_or_default(),
        urgency = draft.urgency.map(|u| render::urgency(l, u)).unwrap_or_default(),
        description = draft.text.clone()
    );
    if !draft.attachments.is_empty() {
        text.push('\n');
        text.push_str(&fl!(l, "card-attachments", count = draft.attachments.len()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_asks_for_what_is_missing_in_order() {
        let mut draft = Draft::default();
        assert_eq!(draft.step(), ReportStep::Category);
        draft.category = Some(Category::Property);
        assert_eq!(draft.step(), ReportStep::Description);
        draft.text = "没水了".into();
        assert_eq!(draft.step(), ReportStep::Description, "text alone does not end the description");
        draft.description_done = true;
        assert_eq!(draft.step(), ReportStep::Urgency);
        draft.urgency = Some(Urgency::Urgent);
        assert_eq!(draft.step(), ReportStep::Confirm);
        draft.category = None;
        assert_eq!(draft.step(), ReportStep::Category, "editing the category comes back to it alone");
    }

    #[test]
    fn an_import_waits_ten_minutes_after_its_last_file() {
        let import = Dialogue::Import { since: 1_000_000 };
        assert!(import.awaits_file(1_000_000 + 10 * 60 * 1000));
        assert!(!import.awaits_file(1_000_000 + 10 * 60 * 1000 + 1));
        assert!(!Dialogue::RegBuilding.awaits_file(1_000_000));
        let older: Dialogue = serde_json::from_str(r#"{"step":"import"}"#).unwrap();
        assert!(!older.awaits_file(1_000_000), "a state without its start has lapsed");
    }

    #[test]
    fn dialogue_state_survives_serialisation() {
        let dialogue = Dialogue::Report {
            draft: Draft {
                category: Some(Category::Elderly),
                text: "独居老人".into(),
                attachments: vec![Attachment::Location { latitude: 32.4, longitude: 119.4 }],
                description_done: true,
                urgency: None,
                editing: false,
            },
        };
        let json = serde_json::to_string(&dialogue).unwrap();
        assert_eq!(serde_json::from_str::<Dialogue>(&json).unwrap(), dialogue);
    }
}
