//! The `read` tool: a text file's lines, numbered, a window at a time.

use super::util::{opt_u64, req_str, resolve_path};
use super::{Tool, ToolCtx, ToolKind, ToolOutput};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::fmt::Write as _;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, BufReader};

pub struct Read;

/// Lines shown when the model gives no `limit`.
const DEFAULT_LIMIT: u64 = 2000;
/// Longest line shown, in chars.
const MAX_LINE_CHARS: usize = 2000;
/// Bytes of one line kept in memory: enough for MAX_LINE_CHARS of any UTF-8.
const MAX_LINE_BYTES: usize = MAX_LINE_CHARS * 4;
/// How much of the file's start is checked for NUL bytes.
const SNIFF: usize = 8192;
/// Room kept in the output budget for the trailing notes.
const NOTE_ROOM: usize = 200;

impl Tool for Read {
    fn name(&self) -> &str {
        "read"
    }
    fn description(&self) -> &str {
        "Read a text file; lines are numbered."
    }
    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "offset": {"type": "integer", "description": "first line, 1-based"},
                "limit": {"type": "integer", "description": "max lines (default 2000)"}
            },
            "required": ["path"]
        })
    }
    fn kind(&self) -> ToolKind {
        ToolKind::Read
    }
    fn summary(&self, args: &Value) -> String {
        let path = args.get("path").and_then(Value::as_str).unwrap_or("?");
        let offset = opt_u64(args, "offset").ok().flatten();
        let limit = opt_u64(args, "limit").ok().flatten();
        match (offset, limit) {
            (None, None) => path.to_string(),
            (Some(o), None) => format!("{path}:{}-", o.max(1)),
            (o, Some(l)) => {
                let o = o.unwrap_or(1).max(1);
                format!("{path}:{o}-{}", o + l.max(1) - 1)
            }
        }
    }
    fn run<'a>(&'a self, args: &'a Value, ctx: &'a ToolCtx) -> LocalBoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            match run(args, ctx).await {
                Ok(out) | Err(out) => out,
            }
        })
    }
}

async fn run(args: &Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolOutput> {
    let path_arg = req_str(args, "path")?;
    let offset = opt_u64(args, "offset")?.unwrap_or(1).max(1);
    let limit = match opt_u64(args, "limit")? {
        None | Some(0) => DEFAULT_LIMIT,
        Some(l) => l,
    };
    let path = resolve_path(&ctx.cwd, path_arg);

    // An editor's buffer when the client offers one, else the file itself.
    let source: Box<dyn tokio::io::AsyncRead + Unpin> = match super::client::read_text(ctx, &path)
        .await
    {
        Some(text) => {
            let text = text.map_err(|e| ToolOutput::err(format!("cannot read {path_arg}: {e}")))?;
            if text.is_empty() {
                return Ok(ToolOutput::ok(format!("{path_arg} is empty (0 bytes)")));
            }
            if text.contains('\0') {
                return Err(ToolOutput::err(format!(
                    "binary file ({} bytes), not shown",
                    text.len()
                )));
            }
            Box::new(std::io::Cursor::new(text.into_bytes()))
        }
        None => {
            let meta = tokio::fs::metadata(&path)
                .await
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => {
                        ToolOutput::err(format!("file not found: {path_arg}"))
                    }
                    _ => ToolOutput::err(format!("cannot read {path_arg}: {e}")),
                })?;
            if meta.is_dir() {
                return Err(ToolOutput::err(format!(
                    "{path_arg} is a directory, not a file; use glob to list its files"
                )));
            }
            if meta.len() == 0 {
                return Ok(ToolOutput::ok(format!("{path_arg} is empty (0 bytes)")));
            }

            let file = tokio::fs::File::open(&path)
                .await
                .map_err(|e| ToolOutput::err(format!("cannot read {path_arg}: {e}")))?;
            let mut file = file;

            // Binary check on the first bytes, then back to the start.
            let mut head = Vec::with_capacity(SNIFF);
            (&mut file)
                .take(SNIFF as u64)
                .read_to_end(&mut head)
                .await
                .map_err(|e| ToolOutput::err(format!("cannot read {path_arg}: {e}")))?;
            if head.contains(&0) {
                return Err(ToolOutput::err(format!(
                    "binary file ({} bytes), not shown",
                    meta.len()
                )));
            }
            file.seek(std::io::SeekFrom::Start(0))
                .await
                .map_err(|e| ToolOutput::err(format!("cannot read {path_arg}: {e}")))?;
            Box::new(file)
        }
    };
    let mut reader = BufReader::with_capacity(64 * 1024, source);

    let budget = ctx.max_output.saturating_sub(NOTE_ROOM).max(100);
    let last_wanted = offset.saturating_add(limit - 1);
    let mut out = String::new();
    let mut line_no: u64 = 0;
    let mut shown: Option<(u64, u64)> = None;
    let mut lossy = false;
    let mut full = false; // output budget used up
    let mut line = Vec::new();

    loop {
        line.clear();
        let (len, ended) = read_line_capped(&mut reader, &mut line)
            .await
            .map_err(|e| ToolOutput::err(format!("cannot read {path_arg}: {e}")))?;
        if len == 0 && !ended {
            break;
        }
        line_no += 1;
        if line_no % 4096 == 0 && ctx.cancel.is_cancelled() {
            return Err(ToolOutput::err("cancelled by user"));
        }
        if line_no < offset || line_no > last_wanted || full {
            continue;
        }
        let text = render_line(&line, len, &mut lossy);
        let entry = format!("{line_no}\t{text}\n");
        if out.len() + entry.len() > budget {
            if out.is_empty() {
                // Even one line does not fit: show what does.
                let cut = super::util::floor_boundary(&entry, budget);
                out.push_str(&entry[..cut]);
                out.push_str("… [line truncated]\n");
                shown = Some((line_no, line_no));
            }
            full = true;
            continue;
        }
        out.push_str(&entry);
        shown = Some((shown.map_or(line_no, |s| s.0), line_no));
    }

    let total = line_no;
    let Some((first, last)) = shown else {
        return Err(ToolOutput::err(format!(
            "offset {offset} is past the end of {path_arg} ({total} lines)"
        )));
    };
    if lossy {
        out.push_str("[file is not valid UTF-8; invalid bytes shown as \u{FFFD}]\n");
    }
    if first > 1 || last < total {
        let _ = write!(out, "[file has {total} lines; showing {first}-{last}");
        if last < total {
            let _ = write!(out, "; use offset={} to read more", last + 1);
        }
        out.push_str("]\n");
    }
    if out.ends_with('\n') {
        out.pop();
    }
    Ok(ToolOutput::ok(out))
}

/// Reads one line (without its `\n`) into `buf`, keeping at most
/// MAX_LINE_BYTES of it. Returns the line's full length in bytes and whether
/// a newline ended it.
async fn read_line_capped<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<(usize, bool)> {
    let mut len = 0;
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            return Ok((len, false));
        }
        let (part, found) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        let room = MAX_LINE_BYTES.saturating_sub(buf.len());
        buf.extend_from_slice(&part[..part.len().min(room)]);
        len += part.len();
        let used = found.unwrap_or(chunk.len());
        r.consume(used);
        if found.is_some() {
            return Ok((len, true));
        }
    }
}

/// A line as shown: decoded (lossily if need be), `\r` dropped, long lines cut.
fn render_line(bytes: &[u8], full_len: usize, lossy: &mut bool) -> String {
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(e) => {
            // A multi-byte char split by the byte cap is not a decoding problem.
            let cut_tail = bytes.len() < full_len && e.error_len().is_none();
            if cut_tail {
                std::borrow::Cow::Borrowed(
                    std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
                )
            } else {
                *lossy = true;
                String::from_utf8_lossy(bytes)
            }
        }
    };
    let text = text.strip_suffix('\r').unwrap_or(&text);
    match text.char_indices().nth(MAX_LINE_CHARS) {
        None if bytes.len() == full_len => text.to_string(),
        None => format!("{text}… [line truncated, {full_len} bytes]"),
        Some((idx, _)) => format!("{}… [line truncated, {full_len} bytes]", &text[..idx]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(dir: &std::path::Path) -> ToolCtx {
        ToolCtx::new(dir.to_path_buf())
    }

    async fn read(ctx: &ToolCtx, args: Value) -> ToolOutput {
        Read.run(&args, ctx).await
    }

    #[tokio::test(flavor = "current_thread")]
    async fn numbers_lines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "one\ntwo\r\nthree").unwrap();
        let out = read(&ctx(dir.path()), json!({"path": "a.txt"})).await;
        assert!(!out.is_error);
        assert_eq!(out.content, "1\tone\n2\ttwo\n3\tthree");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn offset_limit_and_continue_note() {
        let dir = tempfile::tempdir().unwrap();
        let body: String = (1..=5000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(dir.path().join("big.txt"), body).unwrap();
        let c = ctx(dir.path());

        let out = read(&c, json!({"path": "big.txt"})).await;
        assert!(out.content.starts_with("1\tline 1\n"));
        assert!(out.content.contains("2000\tline 2000\n"));
        assert!(!out.content.contains("2001\tline 2001"));
        assert!(out
            .content
            .ends_with("[file has 5000 lines; showing 1-2000; use offset=2001 to read more]"));

        let out = read(&c, json!({"path": "big.txt", "offset": 10, "limit": 3})).await;
        assert_eq!(
            out.content,
            "10\tline 10\n11\tline 11\n12\tline 12\n[file has 5000 lines; showing 10-12; use offset=13 to read more]"
        );

        let out = read(&c, json!({"path": "big.txt", "offset": 4999})).await;
        assert!(out
            .content
            .ends_with("[file has 5000 lines; showing 4999-5000]"));

        let out = read(&c, json!({"path": "big.txt", "offset": 6000})).await;
        assert!(out.is_error);
        assert!(out.content.contains("past the end"));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn output_capped_by_max_output() {
        let dir = tempfile::tempdir().unwrap();
        let body: String = (1..=1000).map(|i| format!("{i:0>50}\n")).collect();
        std::fs::write(dir.path().join("f.txt"), body).unwrap();
        let mut c = ctx(dir.path());
        c.max_output = 2000;
        let out = read(&c, json!({"path": "f.txt"})).await;
        assert!(out.content.len() <= 2000, "{}", out.content.len());
        assert!(out.content.contains("[file has 1000 lines; showing 1-"));
        assert!(out.content.contains("use offset="));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn long_lines_are_cut() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("l.txt"),
            format!("{}\nshort\n", "x".repeat(50_000)),
        )
        .unwrap();
        let out = read(&ctx(dir.path()), json!({"path": "l.txt"})).await;
        assert!(out.content.contains("… [line truncated, 50000 bytes]"));
        assert!(out.content.contains("2\tshort"));
        assert!(out.content.len() < 2100);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn binary_file_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("b.bin"),
            [0x7f, b'E', b'L', b'F', 0, 1, 2, 3],
        )
        .unwrap();
        let out = read(&ctx(dir.path()), json!({"path": "b.bin"})).await;
        assert!(out.is_error);
        assert_eq!(out.content, "binary file (8 bytes), not shown");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn non_utf8_is_shown_lossily() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("l1.txt"), b"caf\xe9\nok\n").unwrap();
        let out = read(&ctx(dir.path()), json!({"path": "l1.txt"})).await;
        assert!(!out.is_error);
        assert!(out.content.starts_with("1\tcaf\u{FFFD}\n2\tok\n"));
        assert!(out.content.contains("not valid UTF-8"));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn errors_and_empty() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(dir.path());
        let out = read(&c, json!({"path": "nope.txt"})).await;
        assert!(out.is_error);
        assert!(out.content.contains("not found"));

        let out = read(&c, json!({"path": "."})).await;
        assert!(out.is_error);
        assert!(out.content.contains("directory"));

        std::fs::write(dir.path().join("e.txt"), "").unwrap();
        let out = read(&c, json!({"path": "e.txt"})).await;
        assert!(!out.is_error);
        assert!(out.content.contains("empty"));

        let out = read(&c, json!({})).await;
        assert!(out.is_error);
        assert!(out.content.contains("`path`"));
        let out = read(&c, json!({"path": "e.txt", "limit": "many"})).await;
        assert!(out.is_error);
        assert!(out.content.contains("`limit`"));
    }

    #[test]
    fn summary_shows_range() {
        assert_eq!(Read.summary(&json!({"path": "src/main.rs"})), "src/main.rs");
        assert_eq!(
            Read.summary(&json!({"path": "src/main.rs", "offset": 10, "limit": 31})),
            "src/main.rs:10-40"
        );
    }
}
