//! Response bodies that are sent as they are made, so a large download never holds its whole file
//! in memory: [`written`] runs a writer on a blocking thread (not on the threads that answer
//! requests) and sends every [`CHUNK`] it writes; [`channel`] takes chunks from a task (a document
//! read from the database a piece at a time). Either stays at most four chunks ahead of the
//! connection. A failure this late can only cut the download short; it is logged.

use std::io::{self, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use tokio::sync::mpsc;

/// Bytes handed to the connection at a time.
pub const CHUNK: usize = 64 << 10;

/// A body that receives what `write` writes, as it writes it.
pub fn written<F>(write: F) -> Body
where
    F: FnOnce(&mut Chunks) -> io::Result<()> + Send + 'static,
{
    let (tx, body) = channel();
    tokio::task::spawn_blocking(move || {
        let mut out = Chunks {
            tx,
            buf: Vec::with_capacity(CHUNK),
        };
        if let Err(e) = write(&mut out).and_then(|()| out.flush()) {
            tracing::warn!(error = %e, "a streamed download stopped before its end");
            let _ = out.tx.blocking_send(Err(e));
        }
    });
    body
}

/// A body fed from the other end of a channel, at most four chunks ahead of the connection; an
/// error sent down it cuts the body short.
pub fn channel() -> (mpsc::Sender<io::Result<Bytes>>, Body) {
    let (tx, rx) = mpsc::channel(4);
    (tx, Body::new(Received(rx)))
}

/// The writing end: fills a chunk, then waits for room in the channel.
pub struct Chunks {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl Write for Chunks {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(Bytes::from(chunk)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

/// The reading end, as an HTTP body.
struct Received(mpsc::Receiver<io::Result<Bytes>>);

impl http_body::Body for Received {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, io::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|r| r.map(http_body::Frame::data)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn what_is_written_arrives_whole_and_a_failure_cuts_the_body() {
        let body = written(|out| {
            for i in 0..200_000u32 {
                write!(out, "{i},")?;
            }
            Ok(())
        });
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(text.starts_with("0,1,2,") && text.ends_with(",199999,"));
        let broken = written(|out| {
            out.write_all(&[b'x'; CHUNK * 2])?;
            Err(io::Error::other("disk gone"))
        });
        assert!(axum::body::to_bytes(broken, usize::MAX).await.is_err());
    }
}
