//! What an approval prompt shows before its question: the whole command (every line, long lines
//! wrapped, never cut) or the canonical target path, with every string from the model made safe.
//! The terminal, scripted stdin and plain mode all print this same text.

use super::safe;
use crate::agent::ApprovalRequest;
use crate::tools::ToolKind;
use serde_json::Value;
use std::path::Path;

/// The lines printed before the question, each ending in `\n`.
pub fn shown(req: &ApprovalRequest<'_>, width: usize, styled: bool) -> String {
    let place = format!(
        "(in {}; {})",
        safe::line(&req.cwd.display().to_string()),
        safe::line(req.reason)
    );
    let tool = safe::line(req.tool);
    let body = body(req);
    let summary = safe::line(req.summary);
    // A short one-line call is shown as it always was; anything else goes in the numbered
    // block, where the wrapping is explicit and nothing is cut.
    if body.len() == 1 && body[0] == summary && summary.chars().count() <= width {
        return format!("ask: {tool} {summary}  {place}\n");
    }
    let mut out = format!("ask: {tool}  {place}");
    out.push('\n');
    out.push_str(&numbered(&body, width, styled));
    out
}

/// What `?` shows: the call's whole input, every argument, and where it runs.
pub fn details(req: &ApprovalRequest<'_>) -> String {
    let input = serde_json::to_string_pretty(req.input).unwrap_or_default();
    format!(
        "tool: {}\nruns in: {}\nasks because: {}\ninput:\n{}\n",
        safe::line(req.tool),
        safe::line(&req.cwd.display().to_string()),
        safe::line(req.reason),
        safe::text(&input)
    )
}

/// The text the user approves, as lines already made safe: a command's lines; a path tool's
/// path with its canonical target when they differ; otherwise the arguments as JSON.
fn body(req: &ApprovalRequest<'_>) -> Vec<String> {
    if let Some(cmd) = req.input.get("command").and_then(Value::as_str) {
        let cmd = cmd.trim_end_matches(['\n', '\r']);
        return cmd
            .split('\n')
            .map(|l| safe::line(l.strip_suffix('\r').unwrap_or(l)).into_owned())
            .collect();
    }
    let path_tool = matches!(req.kind, ToolKind::Read | ToolKind::Edit);
    if let Some(p) = req
        .input
        .get("path")
        .and_then(Value::as_str)
        .filter(|_| path_tool)
    {
        let given = safe::line(p).into_owned();
        let full = crate::tools::resolve_path(req.cwd, p);
        let target = crate::permissions::workspace::canonical(&full);
        if target != lexical(&full) {
            return vec![
                given,
                format!("→ {}", safe::line(&target.display().to_string())),
            ];
        }
        return vec![given];
    }
    vec![safe::line(&req.input.to_string()).into_owned()]
}

/// `p` with `.` and `..` removed without touching the file system.
fn lexical(p: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c.as_os_str()),
        }
    }
    out
}

/// `  1 │ text`, wrapped to `width`; a continuation has no number.
fn numbered(lines: &[String], width: usize, styled: bool) -> String {
    let digits = lines.len().to_string().len().max(2);
    let bar = if styled { "│" } else { "|" };
    let room = width.saturating_sub(digits + 4).max(20);
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let mut rest = line.as_str();
        let mut num = (i + 1).to_string();
        loop {
            let piece = &rest[..wrap_at(rest, room)];
            rest = &rest[piece.len()..];
            out.push_str(&format!("{num:>digits$} {bar} {piece}"));
            out.push('\n');
            num.clear();
            if rest.is_empty() {
                break;
            }
        }
    }
    if styled {
        // Dim the gutter only; the command itself stays in the default colour.
        out = out.replace(&format!(" {bar} "), &format!(" \x1b[2m{bar}\x1b[0m "));
    }
    out
}

/// Bytes of `s` that fill a row of `room` chars, ending after a space where there is one.
fn wrap_at(s: &str, room: usize) -> usize {
    match s.char_indices().nth(room) {
        None => s.len(),
        Some((cut, _)) => match s[..cut].rfind(' ') {
            Some(sp) if sp > 0 => sp + 1,
            _ => cut,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req<'a>(tool: &'a str, summary: &'a str, input: &'a Value) -> ApprovalRequest<'a> {
        ApprovalRequest {
            tool,
            kind: ToolKind::Execute,
            summary,
            input,
            cwd: Path::new("/w"),
            reason: "runs a command",
            diff: None,
            always: "bash(touch x)",
        }
    }

    #[test]
    fn short_command_keeps_one_line() {
        let input = json!({"command": "touch x"});
        assert_eq!(
            shown(&req("bash", "touch x", &input), 80, false),
            "ask: bash touch x  (in /w; runs a command)\n"
        );
    }

    #[test]
    fn every_line_of_a_here_document_is_shown() {
        let cmd = "cat > gen.sh <<'EOS'\necho hi\nEOS\nchmod +x gen.sh && ./gen.sh && rm -rf build/ && git commit -am 'regen'";
        let input = json!({ "command": cmd });
        let s = shown(&req("bash", "cat > gen.sh <<'EOS' …", &input), 80, false);
        assert_eq!(
            s,
            "ask: bash  (in /w; runs a command)\n 1 | cat > gen.sh <<'EOS'\n 2 | echo hi\n 3 | EOS\n 4 | chmod +x gen.sh && ./gen.sh && rm -rf build/ && git commit -am 'regen'\n"
        );
    }

    #[test]
    fn long_lines_wrap_and_nothing_is_cut() {
        let cmd = format!("echo {} && rm -rf /tmp/x", "a".repeat(100));
        let input = json!({ "command": cmd });
        let s = shown(&req("bash", "echo aaaa…", &input), 40, false);
        let joined: String = s
            .lines()
            .skip(1)
            .map(|l| l.split_once(" | ").map_or("", |(_, t)| t))
            .collect();
        assert_eq!(joined, cmd);
        assert!(s.lines().all(|l| l.chars().count() <= 40), "{s}");
    }

    #[test]
    fn escapes_in_a_command_are_shown() {
        let input = json!({"command": "ls\x1b[2K\rrm -rf ~ \x1b[8m"});
        let s = shown(
            &req("bash", "ls\x1b[2K\rrm -rf ~ \x1b[8m", &input),
            80,
            false,
        );
        assert!(!s.contains('\x1b') && !s.contains('\r'), "{s:?}");
        assert!(s.contains("ls\\e[2K\\rrm -rf ~ \\e[8m"), "{s}");
    }

    #[test]
    fn a_symlinked_path_shows_its_target() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("tempdir");
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).expect("symlink");
        let input = json!({"path": "link/f.txt"});
        let mut r = req("write", "link/f.txt", &input);
        r.kind = ToolKind::Edit;
        r.cwd = dir.path();
        let s = shown(&r, 200, false);
        let target = std::fs::canonicalize(outside.path()).expect("canon");
        assert!(s.contains(&format!("→ {}/f.txt", target.display())), "{s}");
    }

    #[test]
    fn details_show_every_argument() {
        let input = json!({"command": "x", "timeout_ms": 5, "note": "\u{202e}"});
        let d = details(&req("bash", "x", &input));
        assert!(
            d.contains("\"timeout_ms\": 5") && d.contains("\\u{202e}"),
            "{d}"
        );
    }
}
