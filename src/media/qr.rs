//! QR codes of deep links, as PNG images.

use std::io::Cursor;

use image::{GrayImage, ImageFormat, Luma};
use qrcode::{Color, EcLevel, QrCode};

use super::MediaError;

/// The light margin around the code that scanners need to find it, in
/// modules; the QR standard asks for four.
pub(crate) const QUIET_ZONE: u32 = 4;

/// The least size of the whole image in pixels: about 650 px stays sharp when
/// a phone shows it full width and another phone scans that screen.
const MIN_SIDE_PX: u32 = 640;

/// A PNG of the QR code of `text` (e.g. a deep link), large enough to scan from a phone screen and with the quiet zone.
pub fn qr_png(text: &str) -> Result<Vec<u8>, MediaError> {
    let image = qr_image(text)?;
    let mut png = Vec::new();
    image.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)?;
    Ok(png)
}

/// The QR code of `text` as a black-on-white image with a whole number of
/// pixels per module, so that no scaling blurs module edges.
fn qr_image(text: &str) -> Result<GrayImage, MediaError> {
    let code = qr_modules(text)?;
    let side_modules = code.width + 2 * QUIET_ZONE;
    let scale = MIN_SIDE_PX.div_ceil(side_modules);
    let side = side_modules * scale;
    let image = GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = ((x / scale).checked_sub(QUIET_ZONE), (y / scale).checked_sub(QUIET_ZONE));
        let dark = mx.zip(my).is_some_and(|(mx, my)| code.is_dark(mx, my));
        if dark { Luma([0]) } else { Luma([255]) }
    });
    Ok(image)
}

/// The modules of a QR code, without the quiet zone.
pub(crate) struct Modules {
    /// Modules per side.
    pub width: u32,
    dark: Vec<bool>,
}

impl Modules {
    /// Whether the module in column `x`, row `y` is dark; modules outside
    /// the code are light, as the quiet zone around it is.
    pub fn is_dark(&self, x: u32, y: u32) -> bool {
        x < self.width && y < self.width && self.dark.get((y * self.width + x) as usize).copied().unwrap_or(false)
    }
}

/// The QR code of `text`.
pub(crate) fn qr_modules(text: &str) -> Result<Modules, MediaError> {
    // Level Q recovers a quarter of the code, which keeps printed posters in
    // stairwells readable when they get scuffed or partly covered; the links
    // are short, so the code stays coarse enough all the same.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::Q)?;
    let width = u32::try_from(code.width()).map_err(|_| qrcode::types::QrError::DataTooLong)?;
    let dark = code.to_colors().into_iter().map(|color| color == Color::Dark).collect();
    Ok(Modules { width, dark })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_has_a_white_quiet_zone_and_is_large_enough_to_scan() {
        let image = qr_image("https://t.me/desk_bot?start=b_E01").expect("a short link fits");
        assert!(image.width() >= MIN_SIDE_PX);
        assert_eq!(image.width(), image.height());
        // The outermost row and column of pixels lie in the quiet zone.
        for i in 0..image.width() {
            assert_eq!(image.get_pixel(i, 0).0, [255]);
            assert_eq!(image.get_pixel(0, i).0, [255]);
            assert_eq!(image.get_pixel(i, image.height() - 1).0, [255]);
        }
    }

    #[test]
    fn text_too_long_for_any_qr_code_is_an_error() {
        let text = "x".repeat(5000);
        assert!(matches!(qr_png(&text), Err(MediaError::QrTooLong(_))));
    }
}
