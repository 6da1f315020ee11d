//! Uploads that arrive as a stream and stay on disk: a multipart file part is written chunk by
//! chunk to an unlinked temporary file and hashed on the way, so a roster file costs the server
//! one chunk of memory however large it is and however many arrive at once. The size limit is
//! checked on every chunk: a file over it stops being read at the first chunk past the limit.

use std::convert::Infallible;
use std::io::{Seek, SeekFrom};
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;

use axum::extract::Multipart;
use axum::extract::multipart::{Field, MultipartError};
use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::{Layer, Service};

/// Stored files live in the database: class documents (up to 10 MiB) in 256 KiB chunks, pickup
/// photos (up to 2 MiB) whole, held in memory more than once on the way in (the body, the bound
/// parameter). At most this many such requests are under way at once in the whole process, from
/// the first byte of the request to the last byte of the answer; the others wait for a turn, so a
/// crowd of them cannot take the memory (measured: docs/PERFORMANCE.md, "Large files").
pub const FILES_AT_ONCE: usize = 4;

static FILE_TURNS: LazyLock<Arc<Semaphore>> =
    LazyLock::new(|| Arc::new(Semaphore::new(FILES_AT_ONCE)));

/// A roster import holds every row of its file while it checks them (up to 20,000 rows, some
/// 20 MB) and then its answer. At most this many imports are under way at once; the others wait,
/// their upload not yet read.
pub const IMPORTS_AT_ONCE: usize = 1;

static IMPORT_TURNS: LazyLock<Arc<Semaphore>> =
    LazyLock::new(|| Arc::new(Semaphore::new(IMPORTS_AT_ONCE)));

/// A layer that makes a route wait for a turn before its body is read, and keep it until its
/// answer has been sent: one of [`FILES_AT_ONCE`] or [`IMPORTS_AT_ONCE`].
#[derive(Debug, Clone, Copy)]
pub struct Turns(&'static LazyLock<Arc<Semaphore>>);

/// For routes that hold a stored file.
pub fn file_turns() -> Turns {
    Turns(&FILE_TURNS)
}

/// For the roster imports.
pub fn import_turns() -> Turns {
    Turns(&IMPORT_TURNS)
}

impl<S> Layer<S> for Turns {
    type Service = Turned<S>;

    fn layer(&self, inner: S) -> Turned<S> {
        Turned(inner, self.0)
    }
}

/// A route that runs in turns (see [`Turns`]).
#[derive(Debug, Clone)]
pub struct Turned<S>(S, &'static LazyLock<Arc<Semaphore>>);

impl<S> Service<Request> for Turned<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The clone that was polled ready serves this call; the fresh one waits for the next.
        let fresh = self.0.clone();
        let mut ready = std::mem::replace(&mut self.0, fresh);
        let turns = Arc::clone(self.1);
        Box::pin(async move {
            let turn = turns
                .acquire_owned()
                .await
                .unwrap_or_else(|_| unreachable!("the semaphores of turns are never closed"));
            let res = ready.call(req).await?;
            let deadline = Box::pin(tokio::time::sleep(HOLD_AT_MOST));
            Ok(res.map(|body| {
                Body::new(Holding {
                    body,
                    deadline,
                    _turn: turn,
                })
            }))
        })
    }
}

/// Longest an answer may keep its turn while it is sent: a 10 MiB document takes under two
/// minutes at 1 Mbit/s. A client reading slower is cut off, so a few slow readers cannot keep the
/// turns from everyone else (the request itself is bounded by the 30 s request timeout).
pub const HOLD_AT_MOST: Duration = Duration::from_secs(300);

/// An answer's body that keeps its turn until it is sent (or dropped), at most [`HOLD_AT_MOST`].
struct Holding {
    body: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
    _turn: OwnedSemaphorePermit,
}

impl http_body::Body for Holding {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            let late = std::io::Error::new(std::io::ErrorKind::TimedOut, "answer sent too slowly");
            return Poll::Ready(Some(Err(axum::Error::new(late))));
        }
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// A file part written to disk as it arrived.
#[derive(Debug)]
pub struct Spooled {
    /// The name the browser gave the file (unchecked; clean it before showing or storing it).
    pub name: String,
    /// The bytes, read position at the start. The file has no name on disk: it is gone when this
    /// handle is dropped, also when the request fails or the server is killed.
    pub file: std::fs::File,
    pub len: u64,
    pub sha256: [u8; 32],
}

/// Why a file part could not be spooled.
#[derive(Debug, PartialEq, Eq)]
pub enum SpoolError {
    /// More than the limit arrived.
    TooLarge,
    /// The body broke off or the temporary file could not be written.
    Broken,
}

impl SpoolError {
    /// A multipart error as a spool error: the request body limit means too large.
    pub fn of(e: MultipartError) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::TooLarge
        } else {
            Self::Broken
        }
    }
}

/// A multipart form of one file and a few text fields, as [`read_form`] read it.
#[derive(Debug, Default)]
pub struct FileForm {
    texts: Vec<(&'static str, String)>,
    /// The `file` part, spooled; `None` when it was missing or empty.
    pub file: Option<Spooled>,
}

impl FileForm {
    /// A text field the form was read for (empty when the browser sent none).
    pub fn text(&self, name: &str) -> &str {
        self.texts
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Reads a multipart form: the part named `file` is spooled to disk (at most `max` bytes; named
/// `default_name` when the browser gave no name), the text fields named in `texts` are kept, and
/// every other part is passed over without being kept.
pub async fn read_form(
    mut form: Multipart,
    texts: &[&'static str],
    max: u64,
    default_name: &str,
) -> Result<FileForm, SpoolError> {
    let mut out = FileForm::default();
    while let Some(field) = form.next_field().await.map_err(SpoolError::of)? {
        let name = field.name().unwrap_or_default();
        if name == "file" {
            let mut up = spool(field, max).await?;
            if up.name.is_empty() {
                up.name = default_name.into();
            }
            out.file = (up.len > 0).then_some(up);
        } else if let Some(&known) = texts.iter().find(|t| **t == name) {
            let value = field.text().await.map_err(SpoolError::of)?;
            out.texts.push((known, value));
        }
    }
    Ok(out)
}

/// Writes the part to a new unlinked file in the system's temporary directory, at most `max`
/// bytes; only one chunk is in memory at a time.
async fn spool(mut field: Field<'_>, max: u64) -> Result<Spooled, SpoolError> {
    let name = field.file_name().unwrap_or_default().to_string();
    let std_file = anonymous_file().map_err(|_| SpoolError::Broken)?;
    let mut file = tokio::fs::File::from_std(std_file);
    let (mut len, mut hash) = (0u64, Sha256::new());
    while let Some(chunk) = field.chunk().await.map_err(SpoolError::of)? {
        len += chunk.len() as u64;
        if len > max {
            return Err(SpoolError::TooLarge);
        }
        hash.update(&chunk);
        file.write_all(&chunk)
            .await
            .map_err(|_| SpoolError::Broken)?;
    }
    file.flush().await.map_err(|_| SpoolError::Broken)?;
    let mut file = file.into_std().await;
    file.seek(SeekFrom::Start(0))
        .map_err(|_| SpoolError::Broken)?;
    Ok(Spooled {
        name,
        file,
        len,
        sha256: hash.finalize().into(),
    })
}

impl Spooled {
    /// Bytes made on the server (the demo's files), spooled as an upload would be.
    pub fn from_bytes(name: &str, bytes: &[u8]) -> std::io::Result<Spooled> {
        use std::io::{Seek, SeekFrom, Write};
        let mut file = anonymous_file()?;
        file.write_all(bytes)?;
        file.seek(SeekFrom::Start(0))?;
        Ok(Spooled {
            name: name.into(),
            file,
            len: bytes.len() as u64,
            sha256: Sha256::digest(bytes).into(),
        })
    }
}

/// A read-write file that no directory lists: created under a random name, then unlinked.
fn anonymous_file() -> std::io::Result<std::fs::File> {
    let path = std::env::temp_dir().join(format!("tuoguan-upload-{}", crate::new_id()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[tokio::test]
    async fn an_answer_sent_too_slowly_is_cut_off_and_gives_back_its_turn() {
        let turns = Arc::new(Semaphore::new(1));
        let turn = turns.clone().acquire_owned().await.unwrap();
        // A body that never ends: its sender stays alive and sends nothing.
        let (_tx, body) = super::super::stream::channel();
        let held = Body::new(Holding {
            body,
            deadline: Box::pin(tokio::time::sleep(Duration::from_millis(50))),
            _turn: turn,
        });
        assert!(axum::body::to_bytes(held, usize::MAX).await.is_err());
        assert_eq!(turns.available_permits(), 1, "the turn is free again");
    }

    #[test]
    fn the_temporary_file_has_no_name_and_keeps_its_bytes() {
        let mut f = anonymous_file().unwrap();
        f.write_all(b"abc").unwrap();
        f.seek(SeekFrom::Start(0)).unwrap();
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        assert_eq!(s, "abc");
        let left = std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("tuoguan-upload-")
            })
            .count();
        // Other tests may be spooling at this moment; none of ours stays behind for long.
        assert!(
            left < 64,
            "{left} spooled files left in the temporary directory"
        );
    }
}
