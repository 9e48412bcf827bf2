//! The rendered media read back the way a phone or a printer would: QR codes
//! decoded by a QR reader, charts decoded as images, posters parsed as PDF;
//! and the `qr` subcommand run as the real binary.

use community_desk::media::chart::{Bar, BarChart, Panel, bar_chart_png};
use community_desk::media::pdf::{Poster, posters_pdf};
use community_desk::media::qr::qr_png;
use image::{GrayImage, Luma};
use lopdf::Document;
use lopdf::content::Content;

use crate::support::db::TestDb;
use crate::support::desk::{EXAMPLES, WAIT};
use crate::support::process::run_once;
use community_desk::emulator::{BOT_USERNAME, Emulator};

/// The text of the one QR code in `image`.
fn decode_qr(image: GrayImage) -> String {
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "expected exactly one QR code");
    let (_, text) = grids[0].decode().expect("the QR code decodes");
    text
}

fn decode_png(png: &[u8]) -> image::DynamicImage {
    image::load_from_memory_with_format(png, image::ImageFormat::Png).expect("a valid PNG")
}

fn poster(code: &str) -> Poster {
    Poster {
        title: format!("绿杨社区 · 绿杨东苑 · {code}"),
        subtitle: "扫码登记 / Scan to register".into(),
        link: format!("https://t.me/desk_test_bot?start=b_{code}"),
    }
}

fn chart_with_labels(labels: &[&str]) -> BarChart {
    let bars = labels
        .iter()
        .enumerate()
        .map(|(i, label)| Bar {
            label: label.to_string(),
            value: (i + 1) as f64 * 3.5,
            caption: format!("{} h", (i + 1) as f64 * 3.5),
        })
        .collect();
    BarChart { title: "Requests".into(), panels: vec![Panel { title: "By grid".into(), bars }] }
}

/// The QR code drawn on the first `pages` pages of a PDF, in page order,
/// rasterised at one pixel per point from the filled rectangles of each
/// page's content.
fn qr_images_of(pdf: &Document, pages: usize) -> Vec<GrayImage> {
    pdf.get_pages()
        .values()
        .take(pages)
        .map(|page| {
            let bytes = pdf.get_page_content(*page);
            let content = Content::decode(&bytes).expect("the content parses");
            let mut image = GrayImage::from_pixel(596, 842, Luma([255]));
            for operation in content.operations.iter().filter(|operation| operation.operator == "re") {
                let numbers: Vec<f32> =
                    operation.operands.iter().map(|operand| operand.as_float().expect("a number")).collect();
                let [x, y, width, height] = numbers[..] else { panic!("re takes four numbers") };
                for py in 0..image.height() {
                    // PDF's y axis points up, an image's down.
                    let centre_y = 842.0 - (py as f32 + 0.5);
                    if centre_y < y || centre_y >= y + height {
                        continue;
                    }
                    for px in 0..image.width() {
                        let centre_x = px as f32 + 0.5;
                        if centre_x >= x && centre_x < x + width {
                            image.put_pixel(px, py, Luma([0]));
                        }
                    }
                }
            }
            image
        })
        .collect()
}

#[test]
fn a_qr_code_decodes_back_to_its_deep_link() {
    for link in ["https://t.me/desk_test_bot?start=b_E01", "https://t.me/desk_test_bot?start=join_4f2a9c1e7b"] {
        let png = qr_png(link).expect("a QR code for a short link");
        let image = decode_png(&png).to_luma8();
        assert!(image.width() >= 600, "{} px is too small to scan from a screen", image.width());
        assert_eq!(decode_qr(image), link);
    }
}

#[test]
fn a_bar_chart_is_a_phone_wide_png_with_something_drawn_on_it() {
    let chart = BarChart {
        title: "本周请求 / Requests this week".into(),
        panels: vec![
            Panel {
                title: "按类别 / By category".into(),
                bars: vec![
                    Bar { label: "物业维修".into(), value: 12.0, caption: "12".into() },
                    Bar { label: "矛盾调解".into(), value: 3.0, caption: "3".into() },
                    Bar { label: "Volunteer help".into(), value: 0.0, caption: "0".into() },
                ],
            },
            Panel {
                title: "平均处理时间 / Average time".into(),
                bars: vec![Bar { label: "第一网格".into(), value: 3.5, caption: "3.5 h".into() }],
            },
        ],
    };
    let image = decode_png(&bar_chart_png(&chart).expect("a chart")).to_rgb8();
    assert_eq!(image.width(), 1080);
    let drawn = image.pixels().filter(|pixel| pixel.0 != [255, 255, 255]).count();
    assert!(drawn > 10_000, "only {drawn} pixels differ from the background");

    let taller = BarChart { panels: vec![chart.panels[0].clone(), chart.panels[0].clone()], ..chart.clone() };
    let taller = decode_png(&bar_chart_png(&taller).expect("a chart")).to_rgb8();
    assert!(taller.height() > image.height(), "more bars must make a taller image");
}

#[test]
fn chinese_labels_are_drawn_as_their_own_glyphs_not_as_placeholders() {
    let render = |labels: &[&str]| decode_png(&bar_chart_png(&chart_with_labels(labels)).expect("a chart")).to_rgb8();
    // A character outside the embedded font is shown as "?", so a label of
    // such characters renders exactly as question marks do.
    let missing = render(&["龘龘龘龘", "龘龘龘龘"]);
    let questions = render(&["????", "????"]);
    assert_eq!(missing, questions, "characters the font lacks must fall back to ?");
    // Hanzi are all one em wide, so these two charts have the same layout
    // and differ only where the glyphs of 一 and 二 are drawn; placeholder
    // boxes would make them identical.
    let first = render(&["第一网格", "物业维修"]);
    let second = render(&["第二网格", "物业维修"]);
    assert_ne!(first, second, "different hanzi must draw differently");
    assert_ne!(first, questions, "Chinese labels must not come out as fallbacks");
}

#[test]
fn the_poster_pdf_has_one_page_per_poster_and_each_qr_decodes_to_its_link() {
    let posters = [poster("E01"), poster("E02"), poster("W15")];
    let bytes = posters_pdf(&posters).expect("a PDF");
    assert!(bytes.starts_with(b"%PDF"));
    let pdf = Document::load_mem(&bytes).expect("a PDF that parses");
    assert_eq!(pdf.get_pages().len(), posters.len());
    let images = qr_images_of(&pdf, posters.len());
    for (image, poster) in images.into_iter().zip(&posters) {
        assert_eq!(decode_qr(image), poster.link);
    }
    let text = pdf.extract_text(&[1]).expect("the first page's text");
    assert!(text.contains("绿杨社区"), "{text:?}");
    assert!(text.contains("Scan to register"), "{text:?}");
}

#[test]
fn an_empty_list_of_posters_is_an_error_not_an_empty_pdf() {
    assert!(posters_pdf(&[]).is_err());
}

#[tokio::test]
async fn the_qr_subcommand_prints_a_page_for_each_of_the_134_buildings() {
    let db = TestDb::sqlite();
    let units = format!("{EXAMPLES}/units.csv");
    let output = run_once(&["import", &units], [("DATABASE_URL", db.url())], WAIT).await;
    assert!(output.status.success(), "{}", output.combined());
    let dir = tempfile::tempdir().expect("a directory for the PDF");
    let path = dir.path().join("q.pdf");
    let path = path.to_str().expect("a UTF-8 path");
    let output = run_once(&["qr", "--bot", "desk_test_bot", "-o", path], [("DATABASE_URL", db.url())], WAIT).await;
    assert!(output.status.success(), "{}", output.combined());

    let pdf = Document::load_mem(&std::fs::read(path).expect("the PDF was written")).expect("a PDF that parses");
    assert_eq!(pdf.get_pages().len(), 134);
    let first = qr_images_of(&pdf, 1).into_iter().next().expect("a first page");
    assert_eq!(decode_qr(first), "https://t.me/desk_test_bot?start=b_E01");
    let title = pdf.extract_text(&[1]).expect("the first page's text");
    assert!(title.contains("绿杨社区 · 绿杨东苑 · E01"), "{title:?}");
}

#[tokio::test]
async fn without_a_bot_username_the_qr_subcommand_asks_telegram_for_it() {
    let db = TestDb::sqlite();
    let units = format!("{EXAMPLES}/units.csv");
    let output = run_once(&["import", &units], [("DATABASE_URL", db.url())], WAIT).await;
    assert!(output.status.success(), "{}", output.combined());
    let telegram = Emulator::start().await.expect("start the emulator");
    let dir = tempfile::tempdir().expect("a directory for the PDF");
    let path = dir.path().join("q.pdf");
    let path = path.to_str().expect("a UTF-8 path");
    let env = [
        ("DATABASE_URL", db.url().to_string()),
        ("TELOXIDE_TOKEN", "123456:TEST-TOKEN-never-logged".to_string()),
        ("TELOXIDE_API_URL", telegram.url()),
        // A username in the developer's shell must not stand in for getMe.
        ("DESK_BOT_USERNAME", String::new()),
    ];
    let output = run_once(&["qr", "--output", path], env, WAIT).await;
    assert!(output.status.success(), "{}", output.combined());
    assert!(!output.combined().contains("TEST-TOKEN"), "the token leaked: {}", output.combined());

    let pdf = Document::load_mem(&std::fs::read(path).expect("the PDF was written")).expect("a PDF that parses");
    let first = qr_images_of(&pdf, 1).into_iter().next().expect("a first page");
    assert_eq!(decode_qr(first), format!("https://t.me/{BOT_USERNAME}?start=b_E01"));
}

#[tokio::test]
async fn the_qr_subcommand_fails_clearly_when_there_are_no_buildings() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().expect("a directory for the PDF");
    let path = dir.path().join("q.pdf");
    let path = path.to_str().expect("a UTF-8 path");
    let output = run_once(&["qr", "--bot", "desk_test_bot", "-o", path], [("DATABASE_URL", db.url())], WAIT).await;
    assert!(!output.status.success());
    assert!(output.stderr.contains("no buildings"), "{}", output.combined());
    assert!(!std::path::Path::new(path).exists(), "no PDF should be written");
}
