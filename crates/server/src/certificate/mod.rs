//! Model-class certificates (示范班荣誉证书) as PDF (issue 17): one A4 landscape page typeset by
//! typst from `certificate.typ`, with Chinese fonts read from disk once and embedded as subsets.
//!
//! The certificate's text reaches typst as values in `sys.inputs`, never spliced into markup, so a
//! class named `#exit()` or `*` prints exactly that.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Datelike;
use typst::diag::SourceDiagnostic;
use typst::foundations::{Bytes, Dict, IntoValue};
use typst::text::Font;
use typst_as_lib::{TypstAsLibError, TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;

/// The typst template; its fonts are named there (Noto Serif CJK SC first).
const TEMPLATE: &str = include_str!("certificate.typ");

/// Colon-separated font files replacing the Debian defaults.
pub const FONTS_ENV: &str = "TUOGUAN_CERTIFICATE_FONTS";

/// Debian `fonts-noto-cjk`: serif bold for the heading, serif for the text, sans for the address.
/// The sans face (the template's choice for the small address) is left out: the serif prints it
/// as well, and the 19 MB of the sans collection would stay in every server's memory.
const DEBIAN_FONTS: [&str; 2] = [
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
];

/// What a certificate says. All text is public (no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The honour, e.g. "市级示范职工子女爱心托管班".
    pub title: String,
    /// The class's name.
    pub class_name: String,
    /// The host unit (承办单位).
    pub host_name: String,
    /// Who confers the honour, e.g. "临江市总工会"; printed as the signature.
    pub federation_name: String,
    /// The programme, e.g. "2026年暑期职工子女爱心托管班".
    pub programme_name: String,
    /// The certificate number, e.g. "LJ-2026-001".
    pub number: String,
    /// The date of issue, printed as 2026年12月7日.
    pub issued_on: chrono::NaiveDate,
    /// Absolute URL of the public notice (公示); printed small and encoded as a QR code.
    pub notice_url: String,
}

/// The Chinese fonts and the compiled template, loaded once and shared: cloning is cheap.
#[derive(Clone)]
pub struct Fonts {
    inner: Arc<Typesetter>,
}

struct Typesetter {
    engine: TypstEngine<TypstTemplateMainFile>,
    faces: usize,
}

impl fmt::Debug for Fonts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fonts")
            .field("faces", &self.inner.faces)
            .finish()
    }
}

impl Fonts {
    /// Loads every face of the font files given (TTC collections included). Error names the path.
    ///
    /// A file that cannot be read or holds no font is an error; so is a set of fonts none of
    /// which has Chinese characters, which would print the certificate as empty boxes.
    pub fn load(paths: &[PathBuf]) -> Result<Fonts, CertificateError> {
        let mut faces = Vec::new();
        for path in paths {
            let data = std::fs::read(path).map_err(|e| font_error(path, e.to_string()))?;
            let before = faces.len();
            faces.extend(Font::iter(Bytes::new(data)));
            if faces.len() == before {
                return Err(font_error(path, "not a font file (no face found)".into()));
            }
        }
        if !faces
            .iter()
            .any(|f| f.info().coverage.contains(u32::from('证')))
        {
            return Err(CertificateError::NoFont);
        }
        let count = faces.len();
        let engine = TypstEngine::builder()
            .main_file(TEMPLATE)
            .fonts(faces)
            .build();
        Ok(Fonts {
            inner: Arc::new(Typesetter {
                engine,
                faces: count,
            }),
        })
    }

    /// The default paths: env TUOGUAN_CERTIFICATE_FONTS (colon-separated) or else Debian
    /// fonts-noto-cjk's NotoSerifCJK-Bold.ttc, NotoSerifCJK-Regular.ttc and
    /// NotoSansCJK-Regular.ttc in /usr/share/fonts/opentype/noto (those that exist).
    ///
    /// Paths named in the variable are kept even when missing, so [`Fonts::load`] reports them.
    pub fn default_paths() -> Vec<PathBuf> {
        match std::env::var_os(FONTS_ENV) {
            Some(list) if !list.is_empty() => std::env::split_paths(&list)
                .filter(|p| !p.as_os_str().is_empty())
                .collect(),
            _ => DEBIAN_FONTS
                .iter()
                .map(PathBuf::from)
                .filter(|p| p.is_file())
                .collect(),
        }
    }
}

fn font_error(path: &Path, reason: String) -> CertificateError {
    CertificateError::Font {
        path: path.display().to_string(),
        reason,
    }
}

/// Why a certificate could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    /// A font file could not be read or is not a font.
    #[error("certificate font {path}: {reason}")]
    Font { path: String, reason: String },
    /// No font with Chinese characters was given (install fonts-noto-cjk or set
    /// TUOGUAN_CERTIFICATE_FONTS).
    #[error(
        "no font with Chinese characters for certificates (install fonts-noto-cjk or set {FONTS_ENV})"
    )]
    NoFont,
    /// Typesetting or PDF export failed, or the text did not fit on one page.
    #[error("certificate could not be rendered: {0}")]
    Render(String),
}

/// Renders one certificate: an A4 landscape PDF page with the fonts embedded as subsets and a QR
/// code linking the public notice. Blocking and CPU-bound (about 10 ms in a release build, 20 ms
/// in this workspace's debug profile): call it from `spawn_blocking`.
pub fn render(fonts: &Fonts, certificate: &Certificate) -> Result<Vec<u8>, CertificateError> {
    let document = typeset(fonts, certificate)?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
        .map_err(|errors| CertificateError::Render(messages(&errors)))
}

/// Lays the certificate out, refusing one that would take more than one page.
fn typeset(fonts: &Fonts, certificate: &Certificate) -> Result<PagedDocument, CertificateError> {
    let inputs = inputs(certificate)?;
    let document: PagedDocument = fonts
        .inner
        .engine
        .compile_with_input(inputs)
        .output
        .map_err(|e| CertificateError::Render(typst_error(&e)))?;
    match document.pages().len() {
        1 => Ok(document),
        n => Err(CertificateError::Render(format!(
            "the text does not fit on one page ({n} pages); shorten the names"
        ))),
    }
}

/// `sys.inputs` of the template: the texts as strings, the date already in Chinese, the QR code
/// as SVG bytes.
fn inputs(c: &Certificate) -> Result<Dict, CertificateError> {
    let date = format!(
        "{}年{}月{}日",
        c.issued_on.year(),
        c.issued_on.month(),
        c.issued_on.day()
    );
    let qr =
        qrcode::QrCode::with_error_correction_level(c.notice_url.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| CertificateError::Render(format!("QR code of the notice URL: {e}")))?
            .render::<qrcode::render::svg::Color<'_>>()
            .quiet_zone(true)
            .build();
    let mut inputs = Dict::new();
    for (key, text) in [
        ("title", &c.title),
        ("class_name", &c.class_name),
        ("host_name", &c.host_name),
        ("federation_name", &c.federation_name),
        ("programme_name", &c.programme_name),
        ("number", &c.number),
        ("notice_url", &c.notice_url),
        ("issued_on", &date),
    ] {
        inputs.insert(key.into(), text.as_str().into_value());
    }
    inputs.insert("qr".into(), Bytes::new(qr.into_bytes()).into_value());
    Ok(inputs)
}

fn typst_error(error: &TypstAsLibError) -> String {
    match error {
        TypstAsLibError::TypstSource(errors) => messages(errors),
        other => other.to_string(),
    }
}

fn messages(errors: &[SourceDiagnostic]) -> String {
    let texts: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    texts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;
    use typst::layout::{Frame, FrameItem};

    /// The fonts, read once for all tests (some 70 MB of Noto CJK).
    fn fonts() -> &'static Fonts {
        static FONTS: OnceLock<Fonts> = OnceLock::new();
        FONTS.get_or_init(|| {
            let paths = Fonts::default_paths();
            assert!(
                !paths.is_empty(),
                "install fonts-noto-cjk (or set {FONTS_ENV})"
            );
            Fonts::load(&paths).expect("the default certificate fonts load")
        })
    }

    fn sample() -> Certificate {
        Certificate {
            title: "市级示范职工子女爱心托管班".into(),
            class_name: "阳光托管班".into(),
            host_name: "临江市第一实验小学".into(),
            federation_name: "临江市总工会".into(),
            programme_name: "2026年暑期职工子女爱心托管班".into(),
            number: "LJ-2026-001".into(),
            issued_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("a date"),
            notice_url: "https://tuoguan.example.cn/notices/2026-model-classes".into(),
        }
    }

    /// All the text of the page, runs joined in reading order.
    fn page_text(document: &PagedDocument) -> String {
        fn walk(frame: &Frame, out: &mut String) {
            for (_, item) in frame.items() {
                match item {
                    FrameItem::Group(group) => walk(&group.frame, out),
                    FrameItem::Text(text) => out.push_str(&text.text),
                    _ => {}
                }
            }
        }
        let mut out = String::new();
        for page in document.pages() {
            walk(&page.frame, &mut out);
        }
        out
    }

    #[test]
    fn renders_a_one_page_pdf_saying_what_the_certificate_says() {
        let certificate = sample();
        let pdf = render(fonts(), &certificate).expect("renders");
        assert!(pdf.starts_with(b"%PDF-"), "a PDF");
        let document = typeset(fonts(), &certificate).expect("typesets");
        assert_eq!(document.pages().len(), 1);
        let text = page_text(&document);
        for expected in [
            "荣",
            "「阳光托管班」（临江市第一实验小学）在2026年暑期职工子女爱心托管班中成绩突出",
            "被评为市级示范职工子女爱心托管班。",
            "特发此证，以资鼓励。",
            "临江市总工会",
            "2026年12月7日",
            "证书编号：LJ-2026-001",
            "扫码查看公示",
            "https://tuoguan.example.cn/notices/2026-model-classes",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from {text:?}"
            );
        }
    }

    #[test]
    fn user_text_prints_literally_never_as_markup() {
        let hostile = "#exit() *粗* _斜_ ] [ $x$ <l> @ref // \\ `raw` #panic(\"x\")";
        let certificate = Certificate {
            class_name: hostile.into(),
            host_name: "]#set text(size: 1pt)[".into(),
            number: "#(1 + 1)".into(),
            ..sample()
        };
        let document = typeset(fonts(), &certificate).expect("typesets");
        let text = page_text(&document);
        assert!(text.contains(hostile), "{text:?}");
        assert!(text.contains("（]#set text(size: 1pt)[）"), "{text:?}");
        assert!(text.contains("证书编号：#(1 + 1)"), "{text:?}");
        render(fonts(), &certificate).expect("renders");
    }

    #[test]
    fn long_names_wrap_and_stay_on_one_page() {
        let certificate = Certificate {
            class_name: "临江市高新技术产业开发区第二十七中学联合社区服务中心暑期".repeat(5),
            host_name: "临江市高新技术产业开发区管理委员会教育文化体育局".repeat(3),
            programme_name: "2026年暑期职工子女爱心托管班（第二批次）".repeat(2),
            federation_name: "临江市高新技术产业开发区总工会委员会".into(),
            notice_url: format!("https://tuoguan.example.cn/notices/{}", "x".repeat(150)),
            ..sample()
        };
        let document = typeset(fonts(), &certificate).expect("fits on one page");
        assert_eq!(document.pages().len(), 1);
        let text = page_text(&document);
        assert!(text.contains("特发此证，以资鼓励。"), "{text:?}");
        assert!(text.contains(&certificate.notice_url), "{text:?}");
        render(fonts(), &certificate).expect("renders");
    }

    #[test]
    fn text_too_long_for_any_page_is_refused_not_split() {
        let certificate = Certificate {
            class_name: "很长的班名".repeat(2_000),
            ..sample()
        };
        match render(fonts(), &certificate) {
            Err(CertificateError::Render(reason)) => {
                assert!(reason.contains("one page"), "{reason}")
            }
            other => panic!(
                "expected a render error, got {:?}",
                other.map(|pdf| pdf.len())
            ),
        }
    }

    #[test]
    fn fonts_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync + Clone + 'static>() {}
        shareable::<Fonts>();
    }

    #[test]
    fn a_missing_font_file_is_named() {
        let missing = PathBuf::from("/nonexistent/fonts/思源宋体.ttc");
        match Fonts::load(&[missing]) {
            Err(CertificateError::Font { path, reason }) => {
                assert_eq!(path, "/nonexistent/fonts/思源宋体.ttc");
                assert!(!reason.is_empty());
            }
            other => panic!("expected a font error, got {other:?}"),
        }
    }

    #[test]
    fn a_file_that_is_no_font_is_named_and_no_fonts_at_all_is_refused() {
        let not_a_font = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
        match Fonts::load(std::slice::from_ref(&not_a_font)) {
            Err(CertificateError::Font { path, .. }) => {
                assert_eq!(path, not_a_font.display().to_string())
            }
            other => panic!("expected a font error, got {other:?}"),
        }
        assert!(matches!(Fonts::load(&[]), Err(CertificateError::NoFont)));
    }
}
