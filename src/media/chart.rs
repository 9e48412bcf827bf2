//! Horizontal bar charts as PNG images, sized for a phone screen.

use std::io::Cursor;

use ab_glyph::{Font, FontRef, ScaleFont, point};
use image::{ImageFormat, Rgb, RgbImage};

use super::{MediaError, em_scale, font, glyphs};

/// Telegram shows photos up to about 1280 px wide; 1080 px is a phone
/// screen's width, so nothing is scaled down on the way.
const WIDTH: u32 = 1080;
const MARGIN: u32 = 48;
const TITLE_HEIGHT: u32 = 72;
const PANEL_GAP: u32 = 32;
const PANEL_TITLE_HEIGHT: u32 = 64;
const ROW_HEIGHT: u32 = 60;
const BAR_HEIGHT: u32 = 40;
/// The gaps between a label and its bar, and between a bar and its caption.
const GAP: u32 = 16;
/// Labels take at most this share of the width; longer ones are shortened
/// with an ellipsis so that bars keep room to differ.
const MAX_LABEL_SHARE: f32 = 0.4;
/// More bars than this make an image taller than Telegram accepts as a
/// photo (width plus height at most 10,000 px).
const MAX_BARS: usize = 120;

const BACKGROUND: Rgb<u8> = Rgb([255, 255, 255]);
const STRIPE: Rgb<u8> = Rgb([243, 245, 248]);
const TEXT: Rgb<u8> = Rgb([31, 41, 51]);
const MUTED: Rgb<u8> = Rgb([82, 96, 109]);
const RULE: Rgb<u8> = Rgb([210, 216, 222]);
const BAR: Rgb<u8> = Rgb([43, 123, 185]);

/// How a kind of text looks: its size in pixels per em and its colour.
#[derive(Clone, Copy)]
pub(super) struct Style {
    pub(super) em: f32,
    pub(super) color: Rgb<u8>,
}

const TITLE: Style = Style { em: 44.0, color: TEXT };
const PANEL_TITLE: Style = Style { em: 36.0, color: TEXT };
const LABEL: Style = Style { em: 30.0, color: TEXT };
const CAPTION: Style = Style { em: 30.0, color: MUTED };

/// A chart: a title over panels of bars.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub title: String,
    pub panels: Vec<Panel>,
}

/// One group of bars with its own heading and its own scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub title: String,
    pub bars: Vec<Bar>,
}

/// One bar: `value` sets its length, `caption` is the number as shown,
/// e.g. "12" or "3.5 h".
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub caption: String,
}

/// A PNG (about 1080 px wide, height growing with the number of bars) of horizontal bar charts stacked as panels, readable on a phone; each bar labelled and captioned.
pub fn bar_chart_png(chart: &BarChart) -> Result<Vec<u8>, MediaError> {
    let bars: usize = chart.panels.iter().map(|panel| panel.bars.len()).sum();
    if bars > MAX_BARS {
        return Err(MediaError::TooManyBars { count: bars, max: MAX_BARS });
    }
    let font = font()?;
    let mut canvas = Canvas { image: RgbImage::from_pixel(WIDTH, height(chart), BACKGROUND), font };
    let inner = (WIDTH - 2 * MARGIN) as f32;

    // One label column and one caption column for the whole chart, so that
    // bars of all panels start at the same place and compare by eye.
    let all_bars = || chart.panels.iter().flat_map(|panel| &panel.bars);
    let label_width = all_bars().map(|bar| canvas.width(&bar.label, LABEL.em)).fold(0.0, f32::max);
    let label_width = label_width.min(inner * MAX_LABEL_SHARE);
    let caption_width = all_bars().map(|bar| canvas.width(&bar.caption, CAPTION.em)).fold(0.0, f32::max);
    let bar_start = MARGIN as f32 + label_width + GAP as f32;
    let bar_room = (WIDTH - MARGIN) as f32 - caption_width - GAP as f32 - bar_start;

    let mut top = MARGIN;
    canvas.text(&chart.title, TITLE, MARGIN as f32, top, TITLE_HEIGHT, inner);
    top += TITLE_HEIGHT;
    for panel in &chart.panels {
        top += PANEL_GAP;
        canvas.text(&panel.title, PANEL_TITLE, MARGIN as f32, top, PANEL_TITLE_HEIGHT, inner);
        top += PANEL_TITLE_HEIGHT;
        canvas.fill(MARGIN, top - 2, WIDTH - 2 * MARGIN, 2, RULE);
        // Each panel has its own scale: a panel of counts and a panel of
        // hours must not squeeze each other.
        let max = panel.bars.iter().map(|bar| length_of(bar.value)).fold(0.0, f64::max);
        for (row, bar) in panel.bars.iter().enumerate() {
            if row % 2 == 1 {
                canvas.fill(MARGIN, top, WIDTH - 2 * MARGIN, ROW_HEIGHT, STRIPE);
            }
            let label_x = bar_start - GAP as f32 - canvas.width(&bar.label, LABEL.em).min(label_width);
            canvas.text(&bar.label, LABEL, label_x, top, ROW_HEIGHT, label_width);
            let share = if max > 0.0 { length_of(bar.value) / max } else { 0.0 };
            let length = (share * f64::from(bar_room.max(0.0))).round() as u32;
            // A value above zero always shows, however small next to the
            // largest.
            let length = if share > 0.0 { length.max(3) } else { 0 };
            canvas.fill(bar_start as u32, top + (ROW_HEIGHT - BAR_HEIGHT) / 2, length, BAR_HEIGHT, BAR);
            let caption_x = bar_start + length as f32 + GAP as f32;
            canvas.text(&bar.caption, CAPTION, caption_x, top, ROW_HEIGHT, caption_width);
            top += ROW_HEIGHT;
        }
    }

    let mut png = Vec::new();
    canvas.image.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)?;
    Ok(png)
}

/// The image height the chart needs.
fn height(chart: &BarChart) -> u32 {
    let rows: u32 = chart.panels.iter().map(|panel| panel.bars.len() as u32 * ROW_HEIGHT).sum();
    let panels = chart.panels.len() as u32 * (PANEL_GAP + PANEL_TITLE_HEIGHT);
    2 * MARGIN + TITLE_HEIGHT + panels + rows
}

/// The length a value stands for: nothing for negative or undefined values,
/// which counts and durations cannot be.
fn length_of(value: f64) -> f64 {
    if value.is_finite() && value > 0.0 { value } else { 0.0 }
}

/// An image being drawn on, with the font; the building map draws on it too.
pub(super) struct Canvas {
    pub(super) image: RgbImage,
    pub(super) font: FontRef<'static>,
}

impl Canvas {
    /// The width of `text` at `em` pixels per em.
    pub(super) fn width(&self, text: &str, em: f32) -> f32 {
        let font = self.font.as_scaled(em_scale(&self.font, em));
        glyphs(&self.font, text).into_iter().map(|(_, id)| font.h_advance(id)).sum()
    }

    /// Fills a rectangle, clipped to the image.
    pub(super) fn fill(&mut self, x: u32, y: u32, width: u32, height: u32, color: Rgb<u8>) {
        for py in y..(y + height).min(self.image.height()) {
            for px in x..(x + width).min(self.image.width()) {
                self.image.put_pixel(px, py, color);
            }
        }
    }

    /// Draws one line of `text` from `x`, vertically centred in the band of
    /// `band` pixels starting at `top`, shortened with an ellipsis if it is
    /// wider than `max_width`.
    pub(super) fn text(&mut self, text: &str, style: Style, x: f32, top: u32, band: u32, max_width: f32) {
        let text = self.fit(text, style.em, max_width);
        let scaled = self.font.as_scaled(em_scale(&self.font, style.em));
        // Centre the ascent-to-descent box, so that Chinese and Latin text
        // sit alike in the band.
        let baseline = top as f32 + (band as f32 + scaled.ascent() + scaled.descent()) / 2.0;
        let mut caret = x;
        for (_, id) in glyphs(&self.font, &text) {
            let glyph = id.with_scale_and_position(scaled.scale(), point(caret, baseline));
            caret += scaled.h_advance(id);
            let Some(outline) = self.font.outline_glyph(glyph) else { continue };
            let bounds = outline.px_bounds();
            let image = &mut self.image;
            outline.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                let (Ok(px), Ok(py)) = (u32::try_from(px), u32::try_from(py)) else { return };
                if px < image.width() && py < image.height() {
                    let under = *image.get_pixel(px, py);
                    image.put_pixel(px, py, blend(under, style.color, coverage));
                }
            });
        }
    }

    /// `text`, or as much of it as fits in `max_width` followed by "…".
    fn fit(&self, text: &str, em: f32, max_width: f32) -> String {
        if self.width(text, em) <= max_width {
            return text.to_string();
        }
        let mut chars: Vec<char> = text.chars().collect();
        while !chars.is_empty() {
            chars.pop();
            let shortened: String = chars.iter().chain(['…'].iter()).collect();
            if self.width(&shortened, em) <= max_width {
                return shortened;
            }
        }
        String::new()
    }
}

/// `color` over `under` with `coverage` (0 to 1) of the pixel covered.
fn blend(under: Rgb<u8>, color: Rgb<u8>, coverage: f32) -> Rgb<u8> {
    let coverage = coverage.clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| (f32::from(a) * (1.0 - coverage) + f32::from(b) * coverage).round() as u8;
    Rgb([mix(under[0], color[0]), mix(under[1], color[1]), mix(under[2], color[2])])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(labels: &[&str]) -> BarChart {
        let bars = labels
            .iter()
            .enumerate()
            .map(|(i, label)| Bar { label: label.to_string(), value: i as f64 + 1.0, caption: format!("{}", i + 1) })
            .collect();
        BarChart { title: "统计 Statistics".into(), panels: vec![Panel { title: "网格".into(), bars }] }
    }

    #[test]
    fn the_height_grows_with_the_bars() {
        assert!(height(&chart(&["a", "b", "c"])) > height(&chart(&["a"])));
        assert_eq!(height(&chart(&["a", "b"])) - height(&chart(&["a"])), ROW_HEIGHT);
    }

    #[test]
    fn a_label_too_wide_is_shortened_with_an_ellipsis() {
        let canvas = Canvas { image: RgbImage::new(1, 1), font: font().expect("the embedded font parses") };
        let long = "老旧小区改造".repeat(10);
        let fitted = canvas.fit(&long, LABEL.em, 300.0);
        assert!(fitted.ends_with('…'), "{fitted}");
        assert!(canvas.width(&fitted, LABEL.em) <= 300.0);
        assert_eq!(canvas.fit("E01", LABEL.em, 300.0), "E01");
    }

    #[test]
    fn negative_and_undefined_values_draw_no_bar() {
        assert_eq!(length_of(-3.0), 0.0);
        assert_eq!(length_of(f64::NAN), 0.0);
        assert_eq!(length_of(f64::INFINITY), 0.0);
        assert_eq!(length_of(2.5), 2.5);
    }

    #[test]
    fn too_many_bars_is_an_error_not_a_huge_image() {
        let labels: Vec<String> = (0..=MAX_BARS).map(|i| format!("E{i:02}")).collect();
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        assert!(matches!(bar_chart_png(&chart(&labels)), Err(MediaError::TooManyBars { .. })));
    }
}
