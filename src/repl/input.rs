//! Where typed lines come from: rustyline on a terminal, plain lines from a
//! pipe (a scripted session). Approvals read from the same source.

use crate::plan::run::Between;
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::FileHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, Helper};
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// One read from the user.
#[derive(Debug, PartialEq)]
pub enum Line {
    Text(String),
    /// Ctrl-C at the prompt.
    Interrupted,
    /// Ctrl-D or end of the piped script.
    Eof,
}

type Ed = Editor<WispHelper, FileHistory>;

pub enum Input {
    Tty {
        editor: Arc<Mutex<Ed>>,
        history: PathBuf,
        /// Text typed while the last turn ran, put back at the next prompt.
        ahead: Mutex<String>,
    },
    Piped,
}

impl Input {
    /// A terminal editor with history at `history` and completion of `commands`.
    pub fn tty(history: PathBuf, commands: Vec<String>) -> Result<Input, String> {
        let config = rustyline::Config::builder()
            .auto_add_history(false)
            .completion_type(rustyline::CompletionType::List)
            // Kept in memory all session: a thousand prompts is ample recall.
            .max_history_size(1000)
            .map_err(|e| e.to_string())?
            .build();
        let mut ed: Ed = Editor::with_config(config).map_err(|e| format!("terminal: {e}"))?;
        ed.set_helper(Some(WispHelper {
            commands,
            files: FilenameCompleter::new(),
            models: Vec::new(),
        }));
        let _ = ed.load_history(&history);
        Ok(Input::Tty {
            editor: Arc::new(Mutex::new(ed)),
            history,
            ahead: Mutex::default(),
        })
    }

    pub fn is_tty(&self) -> bool {
        matches!(self, Input::Tty { .. })
    }

    /// Reads one logical line; a trailing `\` continues it on the next line.
    pub async fn read(&self, prompt: &str) -> Line {
        match self {
            Input::Tty { editor, ahead, .. } => {
                let editor = editor.clone();
                let prompt = prompt.to_string();
                let initial = ahead.lock().map(|mut a| std::mem::take(&mut *a));
                let initial = initial.unwrap_or_default();
                // No status line or key watching while the user types.
                let _keys = super::keys::pause();
                crate::render::status::hide(true);
                let res = tokio::task::spawn_blocking(move || match editor.lock() {
                    Ok(mut ed) => ed.readline_with_initial(&prompt, (&initial, "")),
                    Err(_) => Err(ReadlineError::Eof),
                })
                .await;
                crate::render::status::hide(false);
                match res {
                    Ok(Ok(text)) => Line::Text(join_continuations(&text)),
                    Ok(Err(ReadlineError::Interrupted)) => Line::Interrupted,
                    _ => Line::Eof,
                }
            }
            Input::Piped => {
                let res = tokio::task::spawn_blocking(|| {
                    let stdin = std::io::stdin();
                    let mut lock = stdin.lock();
                    let mut out = String::new();
                    loop {
                        let mut s = String::new();
                        match lock.read_line(&mut s) {
                            Ok(0) | Err(_) if out.is_empty() => return None,
                            Ok(0) | Err(_) => return Some(out),
                            Ok(_) => {}
                        }
                        let s = s.trim_end_matches(['\n', '\r']);
                        match s.strip_suffix('\\') {
                            Some(head) => {
                                out.push_str(head);
                                out.push('\n');
                            }
                            None => {
                                out.push_str(s);
                                return Some(out);
                            }
                        }
                    }
                })
                .await;
                match res {
                    Ok(Some(t)) => Line::Text(t),
                    _ => Line::Eof,
                }
            }
        }
    }

    /// Asks a question: a readline prompt on a terminal; otherwise the
    /// question printed as a labelled line and the answer read from the script.
    pub async fn ask(&self, question: &str) -> Line {
        if self.is_tty() {
            self.read(question).await
        } else {
            crate::render::println(&format!("ask: {}", question.trim_end()));
            self.read("").await
        }
    }

    /// Pauses between steps or plan items: Enter continues, typed text
    /// steers, `q` (or Ctrl-C, Ctrl-D) stops.
    pub async fn pause(&self, question: &str) -> Between {
        match self.ask(question).await {
            Line::Text(t) if t.trim() == "q" => Between::Stop,
            Line::Text(t) if t.trim().is_empty() => Between::Continue,
            Line::Text(t) => Between::Steer(t),
            Line::Interrupted | Line::Eof => Between::Stop,
        }
    }

    /// Keeps text typed during a turn for the next prompt.
    pub fn type_ahead(&self, text: String) {
        if let Input::Tty { ahead, .. } = self {
            if let Ok(mut a) = ahead.lock() {
                a.push_str(&text);
            }
        }
    }

    /// Names that Tab offers after `/model `.
    pub fn set_models(&self, models: Vec<String>) {
        if let Input::Tty { editor, .. } = self {
            if let Ok(mut ed) = editor.lock() {
                if let Some(h) = ed.helper_mut() {
                    h.models = models;
                }
            }
        }
    }

    /// Records a submitted line in the persistent history.
    pub fn remember(&self, line: &str) {
        if let Input::Tty {
            editor, history, ..
        } = self
        {
            if let Ok(mut ed) = editor.lock() {
                let _ = ed.add_history_entry(line);
                if let Some(dir) = history.parent() {
                    let _ = crate::private::dir(dir);
                }
                // Created by the line editor with the umask's mode: narrowed after.
                let _ = ed.append_history(history);
                let _ = crate::private::narrow_file(history);
            }
        }
    }
}

/// rustyline hands back `a\` + newline + `b` for continued lines.
fn join_continuations(text: &str) -> String {
    text.replace("\\\n", "\n")
}

pub struct WispHelper {
    commands: Vec<String>,
    files: FilenameCompleter,
    /// Names Tab offers after `/model `.
    models: Vec<String>,
}

impl Completer for WispHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let head = &line[..pos];
        if head.starts_with('/') && !head.contains(' ') {
            let found = self
                .commands
                .iter()
                .filter(|c| c.starts_with(head))
                .map(|c| Pair {
                    display: c.clone(),
                    replacement: format!("{c} "),
                })
                .collect();
            return Ok((0, found));
        }
        // A command's argument: its sub-commands or values, not file names.
        if let Some(rest) = head.strip_prefix('/') {
            if let Some((cmd, arg)) = rest.split_once(' ') {
                if !arg.contains(' ') {
                    if let Some(found) = super::complete::argument(cmd, arg, &self.models) {
                        return Ok((pos - arg.len(), found));
                    }
                }
            }
        }
        // `@path` attaches a file: complete the path after the `@`.
        let word_start = head.rfind(char::is_whitespace).map(|i| i + 1).unwrap_or(0);
        if head[word_start..].starts_with('@') {
            let (start, found) =
                self.files
                    .complete(&line[word_start + 1..], pos - word_start - 1, ctx)?;
            return Ok((start + word_start + 1, found));
        }
        self.files.complete(line, pos, ctx)
    }
}

impl Hinter for WispHelper {
    type Hint = String;
}

impl Highlighter for WispHelper {}

impl Validator for WispHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        if ctx.input().ends_with('\\') {
            Ok(ValidationResult::Incomplete)
        } else {
            Ok(ValidationResult::Valid(None))
        }
    }
}

impl Helper for WispHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_lines_are_joined() {
        assert_eq!(join_continuations("first\\\nsecond"), "first\nsecond");
        assert_eq!(join_continuations("plain"), "plain");
    }
}
