//! Work an editor does for the tools: when wisp runs under an ACP client that
//! offers it, files are read and written through the editor (so unsaved
//! buffers are seen and edits land in them) and commands run in its
//! terminals. Each method returns None when the client does not offer that
//! capability; the tool then does the work itself.

use super::{ToolCtx, ToolOutput};
use futures_util::future::LocalBoxFuture;
use std::path::PathBuf;

pub trait ClientTools {
    /// The file's text as the editor has it; Err when it cannot be read.
    fn read_text(&self, path: PathBuf) -> Option<LocalBoxFuture<'_, Result<String, String>>>;
    fn write_text(
        &self,
        path: PathBuf,
        text: String,
    ) -> Option<LocalBoxFuture<'_, Result<(), String>>>;
    /// Runs a shell command in the session's directory, stopping it on
    /// timeout or cancellation, as the `bash` tool would.
    fn run_command<'a>(
        &'a self,
        command: &'a str,
        timeout_ms: u64,
        ctx: &'a ToolCtx,
    ) -> Option<LocalBoxFuture<'a, ToolOutput>>;
}

/// Reads through the client, when there is one that can.
pub async fn read_text(ctx: &ToolCtx, path: &std::path::Path) -> Option<Result<String, String>> {
    let f = ctx.client.as_ref()?.read_text(path.to_path_buf())?;
    Some(f.await)
}

/// Writes through the client, when there is one that can.
pub async fn write_text(
    ctx: &ToolCtx,
    path: &std::path::Path,
    text: &str,
) -> Option<Result<(), String>> {
    let f = ctx
        .client
        .as_ref()?
        .write_text(path.to_path_buf(), text.to_string())?;
    Some(f.await)
}
