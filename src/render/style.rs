//! Temporary plain styles until the styled versions land.
pub fn tool_line(name: &str, summary: &str, _styled: bool) -> String {
    format!("● {name}  {summary}\n")
}
pub fn result_line(text: &str, is_error: bool, _styled: bool) -> String {
    let first = text.lines().next().unwrap_or("");
    format!("  ⎿ {}{}\n", if is_error { "error: " } else { "" }, first)
}
pub fn error_line(msg: &str, _styled: bool) -> String {
    format!("error: {msg}\n")
}
pub fn note_line(msg: &str, _styled: bool) -> String {
    format!("{msg}\n")
}
pub fn diff(_old: Option<&str>, _new: &str, path: &str, _styled: bool) -> String {
    format!("(changed {path})\n")
}
