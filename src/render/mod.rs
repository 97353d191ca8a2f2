//! Turns agent events into terminal output: streamed markdown, one line per
//! tool call, short result summaries. Append-only: the cursor never moves up.

pub mod approval;
pub mod markdown;
pub mod safe;
pub mod speech;
pub mod status;
pub mod style;
pub mod thinking;

use crate::agent::{AgentEvent, EventSink};
use markdown::MarkdownStream;
use std::io::{IsTerminal, Write};

/// Screen-reader mode: `--plain`, `WISP_PLAIN=1` or `TERM=dumb`.
pub fn screen_reader(plain: bool) -> bool {
    let dumb = std::env::var("TERM").map(|t| t == "dumb").unwrap_or(false);
    let env = std::env::var("WISP_PLAIN").is_ok_and(|v| !v.is_empty() && v != "0");
    plain || dumb || env
}

/// Whether output gets colours and styling.
pub fn styled(plain: bool, no_color: bool) -> bool {
    let dumb = screen_reader(plain);
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !plain && !no_color && !no_color_env && !dumb && std::io::stdout().is_terminal()
}

/// `NO_COLOR` or `--no-color` on a terminal: markdown's structure is still
/// rendered (headings, bullets, tables, wrapping), without any escape code.
pub fn colourless_terminal(plain: bool, no_color: bool) -> bool {
    let env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    (no_color || env) && !screen_reader(plain) && std::io::stdout().is_terminal()
}

/// The terminal's columns now (read on every call: the window may have been
/// resized), or 80 when stdout is not a terminal. One ioctl, no process spawned.
pub fn width() -> usize {
    // SAFETY: TIOCGWINSZ writes a `winsize` into the struct we own.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    Some(ws.ws_col as usize)
        .filter(|w| ok && *w >= 20)
        .unwrap_or(80)
}

/// Standard output that ends the process quietly when the reader goes away
/// (`wisp -p ... | head -1`), instead of failing or panicking.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        status::clear();
        quiet_on_broken_pipe(std::io::stdout().write(buf))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        quiet_on_broken_pipe(std::io::stdout().flush())
    }
}

fn quiet_on_broken_pipe<T>(r: std::io::Result<T>) -> std::io::Result<T> {
    if let Err(e) = &r {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            crate::tools::jobs::stop_all();
            std::process::exit(0);
        }
    }
    r
}

/// Writes a line to stdout (listings, notes), quietly on a closed pipe.
/// Only wisp's own colours pass as escape sequences (`safe::terminal`); text
/// from elsewhere in `s` should be made safe with `safe::text` or `safe::line`.
pub fn println(s: &str) {
    let s = &*safe::terminal(s);
    let mut out = Stdout;
    let _ = out.write_all(s.as_bytes());
    if !s.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

/// Writes a line to stderr; errors there have nowhere else to go.
pub fn eprintln(s: &str) {
    status::clear();
    let s = &*safe::terminal(s);
    let mut err = std::io::stderr();
    let _ = err.write_all(s.as_bytes());
    if !s.ends_with('\n') {
        let _ = err.write_all(b"\n");
    }
}

/// A one-line summary of a tool result for the user (the model gets it all).
pub fn brief(tool: &str, out: &crate::tools::ToolOutput) -> String {
    if out.is_error {
        return out.content.lines().next().unwrap_or("").to_string();
    }
    let lines = out.content.lines().count();
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    match tool {
        "read" => plural(lines, "line"),
        "grep" | "glob" if out.content.trim() == "no matches" => "no matches".into(),
        "grep" => plural(
            out.content.lines().filter(|l| !l.starts_with('[')).count(),
            "line",
        ),
        "glob" => plural(
            out.content.lines().filter(|l| !l.starts_with('[')).count(),
            "file",
        ),
        "bash" => {
            let code = out.content.lines().last().unwrap_or("");
            // Only the command's own lines: not the exit line, the "(no output)"
            // placeholder or wisp's bracketed notes.
            let own = out
                .content
                .lines()
                .filter(|l| *l != "(no output)" && !l.starts_with("[the full output ("))
                .count()
                .saturating_sub(1);
            if own == 0 {
                format!("{code} · no output")
            } else {
                format!("{code} · {}", plural(own, "line"))
            }
        }
        _ => out.content.lines().next().unwrap_or("").to_string(),
    }
}

/// The renderer the REPL and `-p text` use.
pub struct Renderer {
    md: MarkdownStream,
    pub styled: bool,
    /// `-p` keeps stdout for the answer alone; tool activity goes to stderr.
    tools_to_stderr: bool,
    /// The model's thinking: shown in full or summed up in one line.
    pub thinking: thinking::Thinking,
    /// Diffs show paths relative to the session's directory.
    pub cwd: std::path::PathBuf,
    /// Screen-reader mode: every line starts with a label saying what it is.
    pub labels: bool,
    /// Ring the terminal bell at the end of each turn.
    pub bell: bool,
    /// Whether the answer's next byte starts a line (for labelling).
    at_line_start: bool,
}

/// Prefixes every line of `text` with `label`.
/// Screen-reader mode is never styled, so the text is made safe here whole.
pub fn labelled(label: &str, text: &str) -> String {
    let text = &*safe::text(text);
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.lines() {
        out.push_str(label);
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Writes the answer with `wisp: ` before each line.
struct AnswerLines<'a> {
    at_line_start: &'a mut bool,
}

impl Write for AnswerLines<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len() + 16);
        for piece in buf.split_inclusive(|b| *b == b'\n') {
            // A blank line stays blank: nothing for a screen reader to announce.
            if *self.at_line_start && piece != b"\n" {
                out.extend_from_slice(b"wisp: ");
            }
            out.extend_from_slice(piece);
            *self.at_line_start = piece.ends_with(b"\n");
        }
        Stdout.write_all(&out)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Stdout.flush()
    }
}

impl Renderer {
    pub fn new(styled: bool, tools_to_stderr: bool, cwd: &std::path::Path) -> Self {
        let mut md = MarkdownStream::new(width(), styled);
        md.auto_width = styled;
        md.stream_words = true;
        Renderer {
            md,
            styled,
            tools_to_stderr,
            thinking: thinking::Thinking::default(),
            cwd: cwd.to_path_buf(),
            labels: false,
            bell: false,
            at_line_start: true,
        }
    }

    /// Renders markdown without escape codes (`NO_COLOR` on a terminal).
    pub fn without_colour(mut self) -> Self {
        self.styled = false;
        self.md = MarkdownStream::without_escapes(width());
        self.md.auto_width = true;
        self.md.stream_words = true;
        self
    }

    /// Switches to screen-reader mode: whole lines, each labelled, the model's
    /// markdown spoken as words (`speech`).
    pub fn screen_reader(mut self) -> Self {
        self.labels = true;
        self.styled = false;
        self.md = MarkdownStream::new(width(), false);
        self.md.speech = Some(speech::Speech::default());
        self
    }

    /// Screen-reader mode with the model's markdown as written (`--raw-markdown`).
    pub fn raw_markdown(mut self) -> Self {
        self.md.speech = None;
        self
    }

    /// Marks the end of a turn, so a listener knows the answer is complete.
    pub fn end_turn(&mut self, how: &str) {
        self.finish();
        if self.labels {
            self.side(&format!("end: {how}\n"));
        }
        if self.bell {
            let _ = Stdout.write_all(b"\x07");
            let _ = Stdout.flush();
        }
    }

    /// Ends the current answer: prints what is still buffered.
    pub fn finish(&mut self) {
        if self.labels {
            let mut w = AnswerLines {
                at_line_start: &mut self.at_line_start,
            };
            let _ = self.md.finish(&mut w);
        } else {
            let _ = self.md.finish(&mut Stdout);
        }
        let _ = Stdout.flush();
        self.end_thinking();
    }

    /// Prints the rest of the thinking, or its summary line.
    fn end_thinking(&mut self) {
        let out = self.thinking.end(self.styled, self.labels);
        if !out.is_empty() {
            self.side(&out);
        }
    }

    fn side(&mut self, s: &str) {
        if self.tools_to_stderr {
            status::clear();
            let _ = std::io::stderr().write_all(s.as_bytes());
        } else {
            let _ = Stdout.write_all(s.as_bytes());
            let _ = Stdout.flush();
        }
    }

    pub fn error(&mut self, msg: &str) {
        self.finish();
        let line = style::error_line(msg, self.styled && std::io::stderr().is_terminal());
        status::clear();
        let _ = std::io::stderr().write_all(line.as_bytes());
    }

    pub fn note(&mut self, msg: &str) {
        self.finish();
        let line = if self.labels {
            labelled("note: ", msg)
        } else {
            style::note_line(msg, self.styled)
        };
        self.side(&line);
    }
}

impl EventSink for Renderer {
    fn event(&mut self, ev: AgentEvent<'_>) {
        match ev {
            AgentEvent::Text(t) => {
                self.end_thinking();
                status::streamed(t.chars().count());
                if self.labels {
                    let mut w = AnswerLines {
                        at_line_start: &mut self.at_line_start,
                    };
                    let _ = self.md.push(t, &mut w);
                } else {
                    let _ = self.md.push(t, &mut Stdout);
                }
                status::mid_line(self.md.mid_line());
                let _ = Stdout.flush();
            }
            AgentEvent::Thinking(t) => {
                let out = self.thinking.push(t, self.styled, self.labels);
                if !out.is_empty() {
                    self.side(&out);
                }
            }
            AgentEvent::Status(s) => {
                let line = if self.labels {
                    labelled("note: ", s)
                } else {
                    style::note_line(s, self.styled)
                };
                status::clear();
                let _ = std::io::stderr().write_all(line.as_bytes());
            }
            AgentEvent::ToolStarted { name, summary, .. } => {
                self.finish();
                status::doing(&format!("{name} {summary}"));
                let line = if self.labels {
                    labelled("tool: ", &format!("{name} {summary}"))
                } else {
                    style::tool_line(name, summary, self.styled)
                };
                self.side(&line);
            }
            AgentEvent::ToolFinished { name, output, .. } => {
                status::doing("");
                let mut s = String::new();
                if let Some(d) = &output.diff {
                    if !output.is_error {
                        let path = d.path.strip_prefix(&self.cwd).unwrap_or(&d.path);
                        let path = path.display().to_string();
                        let diff = style::diff(d.old.as_deref(), &d.new, &path, self.styled);
                        if self.labels {
                            s.push_str(&labelled("diff: ", &diff));
                        } else {
                            s.push_str(&diff);
                        }
                    }
                }
                let brief = brief(name, output);
                if self.labels {
                    let what = if output.is_error {
                        format!("error: {brief}")
                    } else {
                        brief
                    };
                    s.push_str(&labelled("result: ", &what));
                } else {
                    s.push_str(&style::result_line(&brief, output.is_error, self.styled));
                }
                self.side(&s);
            }
            AgentEvent::Usage { call, .. } => status::call_done(call.output),
            AgentEvent::Hook(line) => {
                self.finish();
                let line = if self.labels {
                    labelled("hook: ", line.strip_prefix("hook ").unwrap_or(line))
                } else {
                    style::note_line(line, self.styled)
                };
                self.side(&line);
            }
            AgentEvent::Child { child, event, .. } => self.child_event(child, event),
        }
    }
}

impl Renderer {
    /// A subagent's tool call as one indented line labelled with the child
    /// (`  explore#2 ● grep TODO`); its notes likewise. The rest stays quiet.
    fn child_event(&mut self, child: &str, ev: &AgentEvent<'_>) {
        let line = match ev {
            AgentEvent::ToolStarted { name, summary, .. } => {
                self.finish();
                if self.labels {
                    labelled("tool: ", &format!("{child} {name} {summary}"))
                } else {
                    let label = style::sanitize(child);
                    format!("  {label} {}", style::tool_line(name, summary, self.styled))
                }
            }
            AgentEvent::Status(s) => {
                let s = format!("{child}: {s}");
                if self.labels {
                    labelled("note: ", &s)
                } else {
                    style::note_line(&s, self.styled)
                }
            }
            _ => return,
        };
        self.side(&line);
    }
}
