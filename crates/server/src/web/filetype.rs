//! What an uploaded file is, by its first bytes and never by what the browser declared, and the
//! name it may be offered back under: a stored file always leaves with the extension of its
//! content, so a PDF named `page.html` cannot come back as a page.

use crate::error::FieldError;
use crate::i18n::Msg;

/// The types of stored files (class documents, pickup photos).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Png,
    Jpeg,
    Webp,
}

/// Bytes enough for [`FileType::sniff`].
pub const HEAD: usize = 12;

impl FileType {
    /// The type of a file from its first [`HEAD`] bytes.
    pub fn sniff(head: &[u8]) -> Option<FileType> {
        if head.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileType::Png)
        } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
            Some(FileType::Webp)
        } else {
            None
        }
    }

    /// The type a stored media type names (files stored before their bytes decided it included).
    pub fn of_mime(mime: &str) -> Option<FileType> {
        [Self::Pdf, Self::Png, Self::Jpeg, Self::Webp]
            .into_iter()
            .find(|t| t.mime() == mime)
    }

    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
            FileType::Webp => "image/webp",
        }
    }

    /// The name people know the type by.
    pub fn label(self) -> &'static str {
        match self {
            FileType::Pdf => "PDF",
            FileType::Png => "PNG",
            FileType::Jpeg => "JPEG",
            FileType::Webp => "WebP",
        }
    }

    /// The extension a file of this type is offered with.
    pub fn ext(self) -> &'static str {
        self.exts()[0]
    }

    /// Every extension a name of this type may end in (lower case).
    fn exts(self) -> &'static [&'static str] {
        match self {
            FileType::Pdf => &["pdf"],
            FileType::Png => &["png"],
            FileType::Jpeg => &["jpg", "jpeg", "jpe"],
            FileType::Webp => &["webp"],
        }
    }

    /// True when `name` has no extension, or one of this type.
    pub fn fits(self, name: &str) -> bool {
        extension(name).is_none_or(|e| self.exts().contains(&e.as_str()))
    }

    /// `name` as it may be offered: with this type's extension added unless it ends in one.
    pub fn safe_name(self, name: &str) -> String {
        if extension(name).is_some_and(|e| self.exts().contains(&e.as_str())) {
            name.to_string()
        } else {
            format!("{name}.{}", self.ext())
        }
    }

    /// The 422 for a file named with another type's extension: what it is and how to name it.
    pub fn misnamed(self, field: &'static str) -> FieldError {
        FieldError {
            field,
            msg: Msg::new("upload.extension_mismatch")
                .arg("ext", self.ext())
                .arg("kind", self.label()),
        }
    }
}

/// The extension of a file name, lower case: after the last dot, 1 to 8 ASCII letters or digits.
pub fn extension(name: &str) -> Option<String> {
    let (_, ext) = name.rsplit_once('.')?;
    ((1..=8).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| ext.to_ascii_lowercase())
}

/// Makes `res` a download a browser will neither render inline nor sniff: the type of its bytes,
/// `Content-Disposition: disposition`, a sandbox CSP (kept by the site-wide header layer) and
/// `nosniff`. Class documents and pickup photos both go out this way.
pub fn sandboxed_attachment(
    res: &mut axum::response::Response,
    mime: &'static str,
    disposition: &str,
) {
    use axum::http::{HeaderValue, header};
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

#[cfg(test)]
mod tests {
    use super::FileType::{self, *};

    #[test]
    fn types_come_from_the_bytes() {
        let cases: [(&[u8], Option<FileType>); 6] = [
            (b"%PDF-1.7\n<html>", Some(Pdf)),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Some(Png)),
            (&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], Some(Jpeg)),
            (b"RIFF\x24\0\0\0WEBPVP8 ", Some(Webp)),
            (b"RIFF\x24\0\0\0WAVEfmt ", None),
            (b"<html><script>", None),
        ];
        for (bytes, want) in cases {
            assert_eq!(FileType::sniff(bytes), want, "{bytes:?}");
        }
    }

    #[test]
    fn a_name_fits_its_type_or_gets_its_extension() {
        assert!(Pdf.fits("接送制度.PDF") && Pdf.fits("接送制度") && Jpeg.fits("a.jpeg"));
        assert!(!Pdf.fits("page.html") && !Png.fits("a.jpg"));
        assert_eq!(Pdf.safe_name("page.html"), "page.html.pdf");
        assert_eq!(Jpeg.safe_name("照片.JPG"), "照片.JPG");
        assert_eq!(Webp.safe_name("v1.2 final"), "v1.2 final.webp");
    }
}
