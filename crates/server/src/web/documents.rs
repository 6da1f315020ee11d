//! Stored documents — a class's papers, the attachments of a unit's report and an inspector's
//! photos: PDF, PNG or JPEG
//! by content (never by name; a name with another type's extension is refused), at most 10 MiB,
//! stored in the database as numbered 256 KiB chunks that an upload writes and a download sends
//! one at a time, and served as sandboxed attachments named with the extension of their content.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::db::{Db, Tx};
use crate::error::{AppError, FieldError};
use crate::web::filetype::{FileType, HEAD};
use crate::web::upload::Spooled;
use crate::{on_db, on_tx};

pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Size of the pieces a document is stored and sent in.
pub const CHUNK: usize = 256 << 10;

/// Where a kind of document keeps its chunks.
#[derive(Debug, Clone, Copy)]
pub enum Chunks {
    /// `file_chunks`, of the class documents in `files`.
    Class,
    /// `submission_file_chunks`, of the report attachments in `submission_files`.
    Attachment,
    /// `inspection_photo_chunks`, of the inspectors' photos in `inspection_photos`.
    Inspection,
    /// `ledger_receipt_chunks`, of the receipts of ledger entries in `ledger_receipts`.
    Receipt,
}

impl Chunks {
    fn insert_sql(self) -> &'static str {
        match self {
            Chunks::Class => "INSERT INTO file_chunks (file_id, seq, data) VALUES ($1,$2,$3)",
            Chunks::Attachment => {
                "INSERT INTO submission_file_chunks (file_id, seq, data) VALUES ($1,$2,$3)"
            }
            Chunks::Inspection => {
                "INSERT INTO inspection_photo_chunks (file_id, seq, data) VALUES ($1,$2,$3)"
            }
            Chunks::Receipt => {
                "INSERT INTO ledger_receipt_chunks (file_id, seq, data) VALUES ($1,$2,$3)"
            }
        }
    }
    fn select_sql(self) -> &'static str {
        match self {
            Chunks::Class => "SELECT data FROM file_chunks WHERE file_id = $1 AND seq = $2",
            Chunks::Attachment => {
                "SELECT data FROM submission_file_chunks WHERE file_id = $1 AND seq = $2"
            }
            Chunks::Inspection => {
                "SELECT data FROM inspection_photo_chunks WHERE file_id = $1 AND seq = $2"
            }
            Chunks::Receipt => {
                "SELECT data FROM ledger_receipt_chunks WHERE file_id = $1 AND seq = $2"
            }
        }
    }
}

/// The type of a document from its first bytes; None for anything but PDF, PNG and JPEG.
pub fn sniff(bytes: &[u8]) -> Option<FileType> {
    FileType::sniff(bytes).filter(|t| matches!(t, FileType::Pdf | FileType::Png | FileType::Jpeg))
}

/// A file name safe to store and offer back: no path, no control characters, at most 100 chars.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(100)
        .collect();
    if cleaned.trim().is_empty() {
        "document".into()
    } else {
        cleaned.trim().to_string()
    }
}

/// A size as an official reads it: "820 KB", "2.4 MB".
pub fn size_text(size: i64) -> String {
    match size {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{} KB", (n + 1023) / 1024),
        n => format!("{:.1} MB", n as f64 / (1024.0 * 1024.0)),
    }
}

/// What an accepted upload is: its name (ending in its type's extension), type and size.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub name: String,
    pub content_type: &'static str,
    pub size: i64,
}

/// Checks a spooled upload for the field `file`: not empty, at most [`MAX_BYTES`], PDF, PNG or
/// JPEG by its bytes, and not named as another type. `errors` may already hold other fields'.
pub fn accept(up: &mut Spooled, mut errors: Vec<FieldError>) -> Result<Accepted, AppError> {
    if up.len == 0 || up.len > MAX_BYTES as u64 {
        errors.push(FieldError::new("file", "file.size"));
    }
    let content_type = sniff(&head(&mut up.file)?);
    let name = clean_name(&up.name);
    match content_type {
        None if up.len > 0 => errors.push(FieldError::new("file", "file.type")),
        Some(t) if !t.fits(&name) => errors.push(t.misnamed("file")),
        _ => {}
    }
    match (content_type, errors.is_empty()) {
        (Some(t), true) => Ok(Accepted {
            name: t.safe_name(&name),
            content_type: t.mime(),
            size: i64::try_from(up.len).unwrap_or(i64::MAX),
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

/// The first bytes of a spooled file (to tell its type), the read position back at the start.
fn head(file: &mut std::fs::File) -> Result<Vec<u8>, AppError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut head = Vec::with_capacity(HEAD);
    let read = file.by_ref().take(HEAD as u64).read_to_end(&mut head);
    read.and_then(|_| file.seek(SeekFrom::Start(0)))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(head)
}

/// Stores the spooled file as numbered chunks, one [`CHUNK`] read from disk at a time.
pub async fn write_chunks(
    tx: &mut Tx,
    table: Chunks,
    file_id: &crate::ids::FileId,
    file: std::fs::File,
) -> Result<(), AppError> {
    use tokio::io::AsyncReadExt;
    let sql = table.insert_sql();
    let mut file = tokio::fs::File::from_std(file);
    let mut buf = vec![0u8; CHUNK];
    for seq in 0i64.. {
        let mut filled = 0;
        while filled < CHUNK {
            match file.read(&mut buf[filled..]).await {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) => return Err(AppError::Internal(e.into())),
            }
        }
        if filled == 0 {
            break;
        }
        let chunk = &buf[..filled];
        on_tx!(tx, x => sqlx::query(sql).bind(file_id).bind(seq).bind(chunk).execute(&mut *x).await.map(|_| ()))?;
    }
    Ok(())
}

/// A body that sends a stored document's chunks one at a time, read as the connection takes them.
pub fn stream_chunks(db: &Db, table: Chunks, file_id: crate::ids::FileId) -> axum::body::Body {
    let (tx, body) = crate::web::stream::channel();
    let db = db.clone();
    tokio::spawn(async move {
        let sql = table.select_sql();
        for seq in 0i64.. {
            let chunk: sqlx::Result<Option<Vec<u8>>> = on_db!(&db, p => sqlx::query_scalar(sql)
                .bind(file_id).bind(seq).fetch_optional(p).await);
            match chunk {
                Ok(Some(data)) => {
                    if tx.send(Ok(data.into())).await.is_err() {
                        break; // the client went away
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "a document download stopped before its end");
                    let _ = tx.send(Err(std::io::Error::other(e))).await;
                    break;
                }
            }
        }
    });
    body
}

/// An attachment response that a browser will neither render inline nor sniff.
pub fn response(name: &str, content_type: &str, size: i64, body: axum::body::Body) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&size.to_string()) {
        h.insert(header::CONTENT_LENGTH, v);
    }
    // The stored type came from the bytes; a file stored before that rule, of another type, goes
    // out as bare bytes. Either way its name ends in the extension of what it is.
    let (mime, name) = match FileType::of_mime(content_type) {
        Some(t) => (t.mime(), t.safe_name(name)),
        None => ("application/octet-stream", format!("{name}.bin")),
    };
    let disposition = crate::web::excel::content_disposition(&name);
    crate::web::filetype::sandboxed_attachment(&mut res, mime, &disposition);
    res
}
