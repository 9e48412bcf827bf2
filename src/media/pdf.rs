//! Printable A4 posters with a QR code, for stairwells and notice boards.

use std::collections::BTreeMap;

use ab_glyph::{Font, FontRef, GlyphId};
use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};

use super::qr::{QUIET_ZONE, qr_modules};
use super::{FONT_BYTES, MediaError, advance_units, font, glyphs, units_per_em};

/// A4 in PDF points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
/// The side margin that text keeps; printers cannot print to the edge.
const MARGIN: f32 = 48.0;
/// The side of the QR code: 14 cm, scannable from a few steps away.
const QR_SIDE: f32 = 400.0;
const QR_BOTTOM: f32 = 250.0;
const TITLE_BASELINE: f32 = 720.0;
const TITLE_SIZE: f32 = 40.0;
const SUBTITLE_BASELINE: f32 = 190.0;
const SUBTITLE_SIZE: f32 = 24.0;
const LINK_BASELINE: f32 = 150.0;
const LINK_SIZE: f32 = 12.0;
/// zlib's best compression; the font is most of the file.
const COMPRESSION_LEVEL: u8 = 9;

const FONT_NAME: Name<'static> = Name(b"F1");
const BASE_FONT: Name<'static> = Name(b"WenQuanYiMicroHei");
const SYSTEM_INFO: SystemInfo<'static> =
    SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };

/// One page: what the poster says and where its QR code leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poster {
    pub title: String,
    pub subtitle: String,
    pub link: String,
}

/// A printable A4 PDF, one page per poster: the title (e.g. "绿杨社区 · 绿杨东苑 · E01") large at the top, the QR code of `link` big in the middle, the subtitle (an instruction such as "扫码登记 / Scan to register") and the link in small text below.
pub fn posters_pdf(posters: &[Poster]) -> Result<Vec<u8>, MediaError> {
    if posters.is_empty() {
        return Err(MediaError::NoPosters);
    }
    let font = font()?;
    let mut last_id = 0;
    let mut next_id = || {
        last_id += 1;
        Ref::new(last_id)
    };
    let catalog_id = next_id();
    let pages_id = next_id();
    let type0_id = next_id();
    let cid_font_id = next_id();
    let descriptor_id = next_id();
    let font_file_id = next_id();
    let to_unicode_id = next_id();
    let page_ids: Vec<(Ref, Ref)> = posters.iter().map(|_| (next_id(), next_id())).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(pages_id);
    pdf.pages(pages_id).kids(page_ids.iter().map(|(page, _)| *page)).count(page_ids.len() as i32);

    // Every glyph shown anywhere, with the character it shows, for the
    // widths and the text-extraction map of the font.
    let mut used: BTreeMap<u16, char> = BTreeMap::new();
    for (poster, (page_id, content_id)) in posters.iter().zip(&page_ids) {
        let mut content = Content::new();
        qr_code(&mut content, &poster.link)?;
        let lines = [
            (&poster.title, TITLE_SIZE, TITLE_BASELINE),
            (&poster.subtitle, SUBTITLE_SIZE, SUBTITLE_BASELINE),
            (&poster.link, LINK_SIZE, LINK_BASELINE),
        ];
        for (text, size, baseline) in lines {
            centred_line(&mut content, &font, text, size, baseline, &mut used);
        }
        let content = compress_to_vec_zlib(&content.finish(), COMPRESSION_LEVEL);
        pdf.stream(*content_id, &content).filter(Filter::FlateDecode);

        let mut page = pdf.page(*page_id);
        page.parent(pages_id).media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT)).contents(*content_id);
        page.resources().fonts().pair(FONT_NAME, type0_id);
    }

    write_font(&mut pdf, &font, &used, [type0_id, cid_font_id, descriptor_id, font_file_id, to_unicode_id]);
    Ok(pdf.finish())
}

/// Draws the QR code of `link` as filled squares: vector modules print
/// sharp at any size, where an enlarged image may be smoothed into blur by a
/// viewer or a printer driver.
fn qr_code(content: &mut Content, link: &str) -> Result<(), MediaError> {
    let code = qr_modules(link)?;
    let module = QR_SIDE / (code.width + 2 * QUIET_ZONE) as f32;
    let left = (PAGE_WIDTH - QR_SIDE) / 2.0 + QUIET_ZONE as f32 * module;
    let top = QR_BOTTOM + QR_SIDE - QUIET_ZONE as f32 * module;
    // The colour is set before the path: PDF allows no colour change inside one.
    content.set_fill_gray(0.0);
    // One path of one rectangle per run of dark modules in a row, filled
    // once, so that no hairline seams show between neighbouring modules.
    for row in 0..code.width {
        let mut column = 0;
        while column < code.width {
            if !code.is_dark(column, row) {
                column += 1;
                continue;
            }
            let start = column;
            while code.is_dark(column, row) {
                column += 1;
            }
            let y = top - (row + 1) as f32 * module;
            content.rect(left + start as f32 * module, y, (column - start) as f32 * module, module);
        }
    }
    content.fill_nonzero();
    Ok(())
}

/// Writes `text` centred on the page at `baseline`, shrunk until it fits
/// between the margins, and records the glyphs it uses.
fn centred_line(
    content: &mut Content,
    font: &FontRef<'_>,
    text: &str,
    size: f32,
    baseline: f32,
    used: &mut BTreeMap<u16, char>,
) {
    let shown = glyphs(font, text);
    let width_at_one = advance_units(font, text) / units_per_em(font);
    let available = PAGE_WIDTH - 2.0 * MARGIN;
    let size = if width_at_one * size > available { available / width_at_one } else { size };
    let x = (PAGE_WIDTH - width_at_one * size) / 2.0;
    // With the Identity-H encoding a string is a sequence of big-endian
    // glyph ids, which keeps Chinese text independent of any code page.
    let mut bytes = Vec::with_capacity(shown.len() * 2);
    for (c, id) in shown {
        bytes.extend_from_slice(&id.0.to_be_bytes());
        used.entry(id.0).or_insert(c);
    }
    content.begin_text().set_font(FONT_NAME, size).next_line(x, baseline).show(Str(&bytes)).end_text();
}

/// Writes the font as a composite (Type 0) font with glyph-id encoding, the
/// TrueType file embedded so the PDF prints the same anywhere.
fn write_font(
    pdf: &mut Pdf,
    font: &FontRef<'_>,
    used: &BTreeMap<u16, char>,
    [type0, cid, descriptor, file, cmap]: [Ref; 5],
) {
    let em = units_per_em(font);
    let scale = |units: f32| units * 1000.0 / em;

    pdf.type0_font(type0)
        .base_font(BASE_FONT)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);

    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(BASE_FONT)
        .system_info(SYSTEM_INFO)
        .font_descriptor(descriptor)
        .default_width(1000.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    let mut widths = cid_font.widths();
    for id in used.keys() {
        widths.consecutive(*id, [scale(font.h_advance_unscaled(GlyphId(*id)))]);
    }
    widths.finish();
    cid_font.finish();

    let ascent = scale(font.ascent_unscaled());
    let descent = scale(font.descent_unscaled());
    pdf.font_descriptor(descriptor)
        .name(BASE_FONT)
        // Symbolic: the glyphs are outside the standard Latin character set.
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(0.0, descent, 1000.0, ascent))
        .italic_angle(0.0)
        .ascent(ascent)
        .descent(descent)
        .cap_height(ascent * 0.8)
        .stem_v(80.0)
        .font_file2(file);

    let data = compress_to_vec_zlib(FONT_BYTES, COMPRESSION_LEVEL);
    pdf.stream(file, &data).filter(Filter::FlateDecode).pair(Name(b"Length1"), FONT_BYTES.len() as i32);

    let mut unicode = UnicodeCmap::new(Name(b"Custom"), SYSTEM_INFO);
    for (id, c) in used {
        unicode.pair(*id, *c);
    }
    pdf.cmap(cmap, &unicode.finish()).name(Name(b"Custom")).system_info(SYSTEM_INFO);
}
