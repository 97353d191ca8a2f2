//! The shell at hand: `!command` runs a command the user typed (their own
//! action, so no approval) and offers its output to the model with the next
//! prompt; `@path` in a prompt attaches that file.

use crate::agent::conversation::Block;
use crate::tools::{cap_head_tail, resolve_path, ToolCtx};
use std::path::Path;

/// Most bytes of a command's output or an attached text file sent to the model.
const LIMIT: usize = 30_000;

/// Runs `command` through the `bash` tool's runner (process group, timeout,
/// Ctrl-C, output cap); returns its combined output and exit code.
pub async fn run_shell(command: &str, ctx: &ToolCtx) -> (String, Option<i32>) {
    // Boxed: the runner's state (its read buffers) would otherwise be part of
    // the REPL's future, costing stack and heap from start-up on.
    Box::pin(crate::tools::run_user(command, ctx)).await
}

/// The note the model gets about a command the user ran.
pub fn shell_context(command: &str, output: &str, code: Option<i32>) -> String {
    let code = code.map(|c| c.to_string()).unwrap_or_else(|| "none".into());
    format!(
        "I ran `{command}` (exit code {code}):\n```\n{}\n```",
        cap_head_tail(output.trim_end(), LIMIT)
    )
}

fn image_type(path: &str) -> Option<&'static str> {
    let lower = path.to_ascii_lowercase();
    [
        (".png", "image/png"),
        (".jpg", "image/jpeg"),
        (".jpeg", "image/jpeg"),
        (".gif", "image/gif"),
        (".webp", "image/webp"),
    ]
    .into_iter()
    .find(|(ext, _)| lower.ends_with(ext))
    .map(|(_, t)| t)
}

/// `@path` references in a prompt: `@file`, `@my\ dir/file` (as Tab
/// completion writes it) and `@"my dir/file"`. Each is the path and whether
/// it clearly meant a file (quoted, escaped, or with a `/` or `.` in it).
fn references(prompt: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut chars = prompt.char_indices().peekable();
    let mut prev_space = true;
    while let Some((_, c)) = chars.next() {
        if c != '@' || !prev_space {
            prev_space = c.is_whitespace();
            continue;
        }
        let mut path = String::new();
        let mut explicit = false;
        if chars.peek().is_some_and(|(_, c)| *c == '"') {
            chars.next();
            explicit = true;
            for (_, c) in chars.by_ref() {
                if c == '"' {
                    break;
                }
                path.push(c);
            }
        } else {
            while let Some(&(_, c)) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                if c == '\\' {
                    if let Some((_, next)) = chars.next() {
                        explicit = true;
                        path.push(next);
                    }
                } else {
                    path.push(c);
                }
            }
            let trimmed = path
                .trim_end_matches([',', '.', ';', ':', ')', '?', '!'])
                .len();
            path.truncate(trimmed);
        }
        prev_space = false;
        if !path.is_empty() {
            explicit |= path.contains('/') || path.contains('.');
            out.push((path, explicit));
        }
    }
    out
}

/// Expands `@path` references: text files are inlined after the prompt with
/// their path, images become image blocks. Returns the blocks, the paths
/// attached, and one line for each that looked like a file but could not be
/// attached. A word that names no file and does not look like a path stays as
/// typed (a decorator is not an attachment).
pub async fn attach(prompt: &str, cwd: &Path) -> (Vec<Block>, Vec<String>, Vec<String>) {
    let mut text = prompt.to_string();
    let mut images = Vec::new();
    let mut attached = Vec::new();
    let mut problems = Vec::new();
    for (rel, explicit) in references(prompt) {
        let path = resolve_path(cwd, &rel);
        let bytes = match tokio::fs::read(&path).await {
            Ok(b) => b,
            Err(e) => {
                if explicit {
                    let why = match e.kind() {
                        std::io::ErrorKind::NotFound => "no such file".to_string(),
                        _ if path.is_dir() => "a directory, not a file".to_string(),
                        _ => e.to_string(),
                    };
                    problems.push(format!("cannot attach {rel}: {why}"));
                }
                continue;
            }
        };
        if let Some(media_type) = image_type(&rel) {
            images.push(Block::Image {
                media_type: media_type.to_string(),
                data: base64(&bytes),
            });
        } else if bytes.contains(&0) {
            problems.push(format!("cannot attach {rel}: a binary file"));
            continue;
        } else {
            let body = String::from_utf8_lossy(&bytes);
            text.push_str(&format!(
                "\n\nContents of {rel}:\n```\n{}\n```",
                cap_head_tail(body.trim_end(), LIMIT)
            ));
        }
        attached.push(rel);
    }
    let mut blocks = vec![Block::Text { text }];
    blocks.extend(images);
    (blocks, attached, problems)
}

/// Standard base64 with padding: images are the only binary wisp sends.
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn stderr_is_kept_even_after_a_trailing_comment() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ctx = ToolCtx::new(dir.path().to_path_buf());
        let (out, code) = run_shell("echo to-stderr >&2 # a note", &ctx).await;
        assert_eq!(out, "to-stderr\n");
        assert_eq!(code, Some(0));
        let (_, code) = run_shell("exit 3", &ctx).await;
        assert_eq!(code, Some(3));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn output_is_capped_and_ctrl_c_kills_the_group() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ctx = ToolCtx::new(dir.path().to_path_buf());
        ctx.max_output = 2_000;
        let (out, _) = run_shell("seq 1 1000000", &ctx).await;
        assert!(out.len() < 2_500, "{}", out.len());
        assert!(out.contains("bytes omitted"), "{out}");
        let cancel = ctx.cancel.clone();
        let started = std::time::Instant::now();
        let ((out, code), ()) = tokio::join!(
            run_shell("(sleep 1; touch marker) & sleep 30", &ctx),
            async {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                cancel.cancel();
            }
        );
        assert!(started.elapsed().as_secs() < 5);
        assert!(out.contains("cancelled by user"), "{out}");
        assert_ne!(code, Some(0));
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        assert!(!dir.path().join("marker").exists(), "the group was killed");
    }

    #[test]
    fn references_accept_escaped_and_quoted_spaces() {
        assert_eq!(
            references(r#"see @my\ dir/x.txt and @"other dir/y z.md", @plain."#),
            [
                ("my dir/x.txt".to_string(), true),
                ("other dir/y z.md".to_string(), true),
                ("plain".to_string(), false)
            ]
        );
        assert!(references("mail me@example.com").is_empty());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn attaches_text_and_images_and_leaves_other_words() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("notes.txt"), "blue door\n").expect("write");
        std::fs::write(dir.path().join("shot.png"), [0x89, b'P', b'N', b'G']).expect("write");
        let (blocks, attached, problems) = attach(
            "look at @notes.txt and @shot.png, mail me@example.com @dataclass",
            dir.path(),
        )
        .await;
        assert_eq!(attached, ["notes.txt", "shot.png"]);
        assert!(problems.is_empty(), "{problems:?}");
        match &blocks[0] {
            Block::Text { text } => {
                assert!(text.starts_with("look at @notes.txt"));
                assert!(text.contains("Contents of notes.txt:\n```\nblue door\n```"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&blocks[1], Block::Image { media_type, .. } if media_type == "image/png"));
        assert_eq!(blocks.len(), 2);
    }
}
