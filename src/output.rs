//! Standard output for reports and documents.

use std::io::Write;

use anyhow::Context;

/// Writes `text` to stdout. A reader that went away (`status kuma | head`) is not a failure
/// of the run, so a broken pipe is ignored; any other write error is reported.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(err).context("cannot write to stdout")
        }
        _ => Ok(()),
    }
}
