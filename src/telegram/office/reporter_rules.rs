//! The `/sla` settings of many reporters of one problem: the
//! recurring-problem rule and the estate-wide categories.

use i18n_embed_fl::fl;

use crate::domain::Category;
use crate::domain::reporters::RecurringRule;
use crate::telegram::delivery::turn::Turn;
use crate::telegram::render;

/// The lines `/sla` shows of the recurring-problem rule and the estate-wide
/// categories.
pub async fn sla_lines(turn: &mut Turn<'_>) -> anyhow::Result<String> {
    let l = turn.l();
    let rule = turn.tx.recurring_rule().await?;
    let wide: Vec<String> =
        turn.tx.estate_wide_categories().await?.into_iter().map(|c| render::category(l, c)).collect();
    let wide = if wide.is_empty() { "—".to_string() } else { wide.join(", ") };
    Ok(format!(
        "{}\n{}",
        fl!(
            l,
            "sla-recurring",
            requests = rule.min_requests,
            households = rule.min_households,
            days = rule.window_days,
            after = rule.after_close_days
        ),
        fl!(l, "sla-estate-wide", categories = wide)
    ))
}

/// `/sla recurring <days> <requests> <households> <days after close>` and
/// `/sla estatewide add|remove <category>`, for an admin of a community;
/// `None` when the words are neither.
pub async fn sla_change(turn: &mut Turn<'_>, words: &[&str]) -> anyhow::Result<Option<()>> {
    let l = turn.l();
    let now = turn.now;
    match words {
        ["recurring", numbers @ ..] => {
            let parsed: Vec<u32> =
                numbers.iter().filter_map(|n| n.parse().ok()).filter(|n| (1..=365).contains(n)).collect();
            let [window_days, min_requests, min_households, after_close_days] = parsed[..] else {
                turn.say(fl!(l, "sla-recurring-usage"));
                return Ok(Some(()));
            };
            let rule = RecurringRule { window_days, min_requests, min_households, after_close_days };
            crate::app::recurring::set_rule(&mut turn.tx, turn.person.id, &rule, now).await?;
            Ok(Some(()))
        }
        ["estatewide", action @ ("add" | "remove"), category] => {
            let Some(category) = Category::parse(category) else {
                let expected = Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
                turn.say(fl!(l, "sla-bad-category", expected = expected));
                return Ok(Some(()));
            };
            crate::app::recurring::set_estate_wide(&mut turn.tx, turn.person.id, category, *action == "add", now)
                .await?;
            Ok(Some(()))
        }
        _ => Ok(None),
    }
}
