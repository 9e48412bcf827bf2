//! Images and PDFs the bot hands out: QR codes of deep links, printable
//! posters of them, bar charts of statistics and building maps.
//!
//! Everything is rendered in-process with a font embedded in the binary, so
//! Chinese labels come out right on a server or CI machine that has no fonts
//! installed at all.

pub mod chart;
pub mod map;
pub mod pdf;
pub mod qr;

use ab_glyph::{Font, FontRef, GlyphId, PxScale};

/// WenQuanYi Micro Hei, cut down to ASCII, Latin-1, common punctuation and
/// the GB2312 character set (see `assets/fonts/README.md` for how). It is the
/// only font the renderers use, so what it lacks is shown as `?`.
pub const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/wqy-microhei-gb2312.ttf");

/// What can go wrong while rendering.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the text is too long for a QR code")]
    QrTooLong(#[from] qrcode::types::QrError),
    #[error("could not encode the image: {0}")]
    Image(#[from] image::ImageError),
    #[error("the embedded font is unreadable")]
    Font,
    #[error("a chart of {count} bars is too tall for a phone; at most {max} fit, so split it")]
    TooManyBars { count: usize, max: usize },
    #[error("a building of {floors} floors and {columns} rooms across is too big for one map (at most {max} each)")]
    TooBig { floors: usize, columns: usize, max: usize },
    #[error("there are no posters to print")]
    NoPosters,
}

/// The embedded font. Parsing only reads the table directory, so doing it
/// per call costs next to nothing and needs no global state.
fn font() -> Result<FontRef<'static>, MediaError> {
    FontRef::try_from_slice(FONT_BYTES).map_err(|_| MediaError::Font)
}

/// The glyphs that show `text`, each with the character it shows: a
/// character the font lacks becomes `?`, so a rare name degrades to a visible
/// placeholder instead of an empty box, and line breaks and tabs become
/// spaces because every text here is one line.
fn glyphs(font: &FontRef<'_>, text: &str) -> Vec<(char, GlyphId)> {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .map(|c| match font.glyph_id(c) {
            GlyphId(0) => ('?', font.glyph_id('?')),
            id => (c, id),
        })
        .collect()
}

/// The advance of `text` in font units.
fn advance_units(font: &FontRef<'_>, text: &str) -> f32 {
    glyphs(font, text).into_iter().map(|(_, id)| font.h_advance_unscaled(id)).sum()
}

/// The units per em of the font; TrueType fonts always declare it, but
/// ab_glyph leaves room for fonts that do not, hence the usual 1000.
fn units_per_em(font: &FontRef<'_>) -> f32 {
    font.units_per_em().unwrap_or(1000.0)
}

/// The ab_glyph scale at which one em is `em_px` pixels: ab_glyph scales by
/// the ascent-to-descent height, while layouts here think in ems.
fn em_scale(font: &FontRef<'_>, em_px: f32) -> PxScale {
    PxScale::from(em_px * font.height_unscaled() / units_per_em(font))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The characters of `text` the font cannot show.
    fn missing_chars(font: &FontRef<'_>, text: &str) -> Vec<char> {
        text.chars().filter(|c| !c.is_control() && font.glyph_id(*c) == GlyphId(0)).collect()
    }

    #[test]
    fn the_embedded_font_covers_the_example_directory_and_the_categories() {
        let font = font().expect("the embedded font parses");
        let units = include_str!("../../examples/green-yangyuan/units.csv");
        let categories = "物业服务 家政服务 老旧小区改造 矛盾调解 志愿服务 社会组织 养老服务 儿童关爱 其他 \
                          物业维修 第一网格 第二网格 扫码登记 / Scan to register · – — … ？ ！ （ ） 《 》 é ü";
        assert_eq!(missing_chars(&font, units), Vec::<char>::new());
        assert_eq!(missing_chars(&font, categories), Vec::<char>::new());
    }

    #[test]
    fn a_character_missing_from_the_font_is_shown_as_a_question_mark() {
        let font = font().expect("the embedded font parses");
        let question = font.glyph_id('?');
        // U+9FA5 is at the end of the CJK block and outside GB2312, so the
        // subset does not carry it.
        assert_eq!(missing_chars(&font, "龥"), vec!['龥']);
        assert_eq!(glyphs(&font, "a龥"), vec![('a', font.glyph_id('a')), ('?', question)]);
    }
}
