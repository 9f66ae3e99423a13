//! Thumbnails of images (JPEG, PNG, WebP, the first frame of a GIF): at most 320 × 320 pixels,
//! as JPEG on white. Decoding is bounded (dimensions and memory), so a crafted image costs an
//! error, not the server's memory; an image that does not decode simply gets no thumbnail.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits, Rgb, RgbImage};

/// The longest side of a thumbnail, in pixels.
pub const SIZE: u32 = 320;

/// A thumbnail of `bytes` (of `content_type`), or None when it is not an image Kontor reads.
pub fn make(bytes: &[u8], content_type: &str) -> Option<Vec<u8>> {
    let format = match content_type {
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        "image/gif" => ImageFormat::Gif,
        "image/webp" => ImageFormat::WebP,
        _ => return None,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(10_000);
    limits.max_image_height = Some(10_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let image = match reader.decode() {
        Ok(i) => i,
        Err(e) => {
            tracing::info!("no thumbnail: {e}");
            return None;
        }
    };
    let small = image.thumbnail(SIZE, SIZE).to_rgba8();
    // Transparent parts on white: JPEG has no alpha.
    let mut flat = RgbImage::from_pixel(small.width(), small.height(), Rgb([255, 255, 255]));
    for (x, y, p) in small.enumerate_pixels() {
        let a = p[3] as u32;
        let mix = |c: u8| ((c as u32 * a + 255 * (255 - a)) / 255) as u8;
        flat.put_pixel(x, y, Rgb([mix(p[0]), mix(p[1]), mix(p[2])]));
    }
    let mut out = Cursor::new(Vec::new());
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82);
    match DynamicImage::ImageRgb8(flat).write_with_encoder(encoder) {
        Ok(()) => Some(out.into_inner()),
        Err(e) => {
            tracing::warn!("thumbnail not encoded: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_gets_a_small_jpeg_and_garbage_gets_none() {
        let img = RgbImage::from_pixel(800, 400, Rgb([200, 10, 10]));
        let mut png = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(img)
            .write_to(&mut png, ImageFormat::Png)
            .unwrap();
        let thumb = make(png.get_ref(), "image/png").expect("thumbnail");
        let back = image::load_from_memory(&thumb).unwrap();
        assert_eq!((back.width(), back.height()), (320, 160));
        assert!(make(b"\x89PNG\r\n\x1a\nbroken", "image/png").is_none());
        assert!(make(b"%PDF-1.4", "application/pdf").is_none());
    }
}
