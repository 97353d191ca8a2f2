//! What a hook's exit code and output mean (Claude Code's contract), and
//! how the answers of the hooks of one event combine: any deny wins.

use super::exec::Ended;
use crate::agent::hooks::{Answer, Permission};
use serde_json::Value;

/// Folds one hook's run into the event's answer. `label` names the hook
/// in the lines shown to the user; `rewrite` turns an `updatedInput` into
/// the call's input in wisp's names.
pub fn fold(
    a: &mut Answer,
    event: &str,
    label: &str,
    ended: Ended,
    rewrite: &dyn Fn(&Value) -> Option<Value>,
) {
    let line = |what: String| format!("hook {event}: {}", one_line(&what));
    let (code, stdout, stderr) = match ended {
        Ended::Failed(why) => {
            a.lines.push(line(format!("{label} {why}")));
            return;
        }
        Ended::Exited {
            code,
            stdout,
            stderr,
        } => (code, stdout, stderr),
    };
    match code {
        Some(0) => {}
        Some(2) => {
            let why = stderr.trim();
            let why = if why.is_empty() {
                "no reason given"
            } else {
                why
            };
            block(a, event, label, why);
            return;
        }
        other => {
            let code = other.map_or("a signal".to_string(), |c| format!("exit {c}"));
            let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            a.lines.push(line(
                format!("{label} failed ({code}): {first}")
                    .trim_end_matches([':', ' '])
                    .to_string(),
            ));
            return;
        }
    }
    let out = stdout.trim();
    let json = out
        .starts_with('{')
        .then(|| serde_json::from_str::<Value>(out).ok())
        .flatten()
        .filter(Value::is_object);
    let Some(v) = json else {
        // Plain stdout is context where Claude Code makes it so.
        if !out.is_empty() && matches!(event, "UserPromptSubmit" | "SessionStart") {
            a.context.push(out.to_string());
            a.lines.push(line(format!("{label} added context")));
        }
        return;
    };
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    if v.get("continue").and_then(Value::as_bool) == Some(false) {
        let why = s(&v, "stopReason").unwrap_or_else(|| "a hook stopped the turn".into());
        a.lines
            .push(line(format!("{label} stopped the turn: {why}")));
        a.stop.get_or_insert(why);
    }
    if let Some(m) = s(&v, "systemMessage") {
        a.lines.push(line(format!("{label}: {m}")));
    }
    let specific = v.get("hookSpecificOutput").unwrap_or(&Value::Null);
    let reason = s(&v, "reason").unwrap_or_default();
    match v.get("decision").and_then(Value::as_str) {
        Some("block") if event == "PreToolUse" => {
            permission(a, event, label, Permission::Deny, &reason)
        }
        Some("block") => block(a, event, label, &reason),
        // Claude Code's older spelling of allow.
        Some("approve") if event == "PreToolUse" => {
            permission(a, event, label, Permission::Allow, &reason)
        }
        _ => {}
    }
    if event == "PreToolUse" {
        let why = s(specific, "permissionDecisionReason").unwrap_or_default();
        match specific.get("permissionDecision").and_then(Value::as_str) {
            Some("allow") => permission(a, event, label, Permission::Allow, &why),
            Some("deny") => permission(a, event, label, Permission::Deny, &why),
            Some("ask") => permission(a, event, label, Permission::Ask, &why),
            _ => {}
        }
        if let Some(new) = specific.get("updatedInput").and_then(rewrite) {
            a.lines.push(line(format!("{label} rewrote the call")));
            a.updated_input = Some(new);
        }
    }
    if let Some(c) = s(specific, "additionalContext").filter(|c| !c.trim().is_empty()) {
        if matches!(event, "UserPromptSubmit" | "SessionStart" | "PostToolUse") {
            a.lines.push(line(format!("{label} added context")));
            a.context.push(c);
        }
    }
}

/// Exit 2 or `decision: "block"`, as each event reads it.
fn block(a: &mut Answer, event: &str, label: &str, why: &str) {
    let why = if why.trim().is_empty() {
        "no reason given"
    } else {
        why.trim()
    };
    let shown = match event {
        "PreToolUse" => return permission(a, event, label, Permission::Deny, why),
        "UserPromptSubmit" => format!("blocked by {label}: {why}"),
        "Stop" => format!("{label} keeps the turn going: {why}"),
        "PostToolUse" => format!("{label} tells the model: {why}"),
        // Nothing to block: the reason is only shown.
        _ => format!("{label}: {why}"),
    };
    a.lines.push(format!("hook {event}: {}", one_line(&shown)));
    if matches!(event, "UserPromptSubmit" | "Stop" | "PostToolUse") {
        match &mut a.block {
            Some(b) => {
                b.push('\n');
                b.push_str(why);
            }
            None => a.block = Some(why.to_string()),
        }
    }
}

/// A PreToolUse decision: deny beats ask beats allow.
fn permission(a: &mut Answer, event: &str, label: &str, p: Permission, why: &str) {
    let verb = match p {
        Permission::Deny => "blocked by",
        Permission::Ask => "asked by",
        Permission::Allow => "allowed by",
    };
    let shown = if why.is_empty() {
        format!("{verb} {label}")
    } else {
        format!("{verb} {label}: {why}")
    };
    a.lines.push(format!("hook {event}: {}", one_line(&shown)));
    let rank = |p: Permission| match p {
        Permission::Allow => 0,
        Permission::Ask => 1,
        Permission::Deny => 2,
    };
    if a.permission
        .as_ref()
        .is_none_or(|(q, _)| rank(p) > rank(*q))
    {
        a.permission = Some((p, why.to_string()));
    }
}

/// Text on one line, controls escaped: hook output reaches the terminal.
pub fn one_line(s: &str) -> String {
    let s = s.trim();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control()
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c) =>
            {
                out.extend(c.escape_unicode())
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exited(code: i32, stdout: &str, stderr: &str) -> Ended {
        Ended::Exited {
            code: Some(code),
            stdout: stdout.into(),
            stderr: stderr.into(),
        }
    }

    fn none(_: &Value) -> Option<Value> {
        None
    }

    #[test]
    fn exit_two_blocks_a_tool_and_any_deny_wins() {
        let mut a = Answer::default();
        let allow =
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}"#;
        fold(&mut a, "PreToolUse", "./ok.sh", exited(0, allow, ""), &none);
        fold(
            &mut a,
            "PreToolUse",
            "./check.sh",
            exited(2, "", "no rm here\n"),
            &none,
        );
        fold(&mut a, "PreToolUse", "./ok.sh", exited(0, allow, ""), &none);
        assert_eq!(a.permission, Some((Permission::Deny, "no rm here".into())));
        assert!(a
            .lines
            .contains(&"hook PreToolUse: blocked by ./check.sh: no rm here".to_string()));
    }

    #[test]
    fn plain_stdout_is_context_only_where_claude_code_makes_it_so() {
        let mut a = Answer::default();
        fold(
            &mut a,
            "UserPromptSubmit",
            "ctx",
            exited(0, "branch: main\n", ""),
            &none,
        );
        fold(
            &mut a,
            "PostToolUse",
            "fmt",
            exited(0, "formatted\n", ""),
            &none,
        );
        assert_eq!(a.context, vec!["branch: main".to_string()]);
        let mut a = Answer::default();
        fold(&mut a, "Stop", "x", exited(1, "", "boom\nmore"), &none);
        assert_eq!(
            a.lines,
            vec!["hook Stop: x failed (exit 1): boom".to_string()]
        );
        assert!(a.block.is_none());
    }

    #[test]
    fn json_decisions_and_stop() {
        let mut a = Answer::default();
        let out = r#"{"decision":"block","reason":"run the tests first"}"#;
        fold(&mut a, "Stop", "t", exited(0, out, ""), &none);
        assert_eq!(a.block.as_deref(), Some("run the tests first"));
        let mut a = Answer::default();
        let out = r#"{"continue":false,"stopReason":"enough"}"#;
        fold(&mut a, "PostToolUse", "t", exited(0, out, ""), &none);
        assert_eq!(a.stop.as_deref(), Some("enough"));
        assert_eq!(one_line("a\x1b[2Jb\nc"), "a\\u{1b}[2Jb c");
    }
}
