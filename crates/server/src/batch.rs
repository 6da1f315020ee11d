//! The step group commits share (the door's taps, standalone audit entries): wait for one job,
//! then take every job already waiting, up to a bound, for one commit.

use tokio::sync::mpsc;

/// The next batch: at least one job, at most `max`; `None` once every sender is gone.
pub async fn next<T>(rx: &mut mpsc::Receiver<T>, max: usize) -> Option<Vec<T>> {
    let mut batch = vec![rx.recv().await?];
    while batch.len() < max {
        match rx.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
    Some(batch)
}
