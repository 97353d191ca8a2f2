//! Command-line parsing: flags into [`Cli`]. Hand-written to keep the binary small.

/// How `-p` prints its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
    StreamJson,
}

#[derive(Debug, Default)]
pub struct Cli {
    /// `-p`: one-shot, non-interactive.
    pub print: bool,
    /// Words after the flags: the first prompt.
    pub prompt: Option<String>,
    pub output_format: Option<OutputFormat>,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub mode: Option<String>,
    pub yolo: bool,
    pub allow: Vec<String>,
    pub max_steps: Option<u32>,
    /// Pause after every step (`/step on`).
    pub step: bool,
    /// `--prompt NAME`: run a library prompt; the words are its arguments.
    pub prompt_name: Option<String>,
    /// `-c`: resume this directory's latest session.
    pub continue_session: bool,
    /// `-r [ID|NAME]`: resume a session; None inside when it should be picked from a list.
    pub resume: Option<Option<String>>,
    pub plain: bool,
    /// `--raw-markdown`: screen-reader mode prints the model's markdown as written.
    pub raw_markdown: bool,
    /// Ring the bell at the end of each turn.
    pub bell: bool,
    pub no_color: bool,
    pub version: bool,
    pub help: bool,
    /// `wisp loop`: work through the plan headless.
    pub loop_cmd: bool,
    pub worktree: Option<String>,
    pub test: Option<String>,
    pub plan: Option<String>,
    /// `wisp loop --max N`: at most N items.
    pub max_items: Option<usize>,
    pub auto: bool,
    /// `wisp acp`: serve the Agent Client Protocol on stdio.
    pub acp: bool,
    /// `--effort off|low|medium|high`.
    pub effort: Option<String>,
    /// `--sandbox workspace-write|read-only|off`.
    pub sandbox: Option<String>,
}

pub const HELP: &str = "\
wisp - a small coding agent for the terminal

Usage:
  wisp [options] [PROMPT]        interactive; PROMPT is sent first
  wisp -p [options] [PROMPT]     one-shot: answer and exit (stdin is the prompt or added to it)
  command | wisp [options]       scripted: stdin lines run as if typed
  wisp loop [--plan FILE] [--test CMD] [--max N] [--worktree NAME] [--auto]
                                 work through the plan's unchecked items headless
  wisp acp [options]             ACP agent on stdio, for editors such as Zed

Options:
  -p, --print                  answer once and exit
      --output-format FORMAT   with -p: text (default), json, stream-json
      --provider NAME          openai, openrouter, anthropic, gemini, ollama
  -m, --model NAME             model name for the provider
      --mode MODE              restrictive, guarded, accept-edits, standard (default)
      --effort LEVEL           thinking effort: off, low, medium, high (default: the provider's)
      --yolo                   allow everything except catastrophic commands
      --sandbox MODE           workspace-write (default), read-only, off: what commands may write
      --allow RULE             allow without asking, e.g. 'bash(cargo test*)', edit (repeatable)
      --max-steps N            stop a turn after N model calls (default 50)
      --step                   pause after every step: Enter continues, text steers, q stops
  -c, --continue               resume the latest session of this directory
  -r, --resume [ID|NAME]       resume a session by id or /rename name (alone: pick from a list)
      --worktree NAME          work in git worktree NAME (created from HEAD if missing)
      --test CMD               the test command for the plan loop (default: detected)
      --plan FILE              the plan file (default PLAN.md)
      --prompt NAME            run library prompt NAME; the words are its arguments
      --plain                  screen-reader mode: no styling, every line labelled (also WISP_PLAIN=1)
      --raw-markdown           with --plain: print the model's markdown as written, not spoken
      --bell                   ring the terminal bell when a turn ends
      --no-color               no colours (also NO_COLOR, TERM=dumb)
  -V, --version                print the version
  -h, --help                   print this help

Environment:
  WISP_PROVIDER, WISP_MODEL, OPENAI_API_KEY, OPENAI_BASE_URL, OPENROUTER_API_KEY,
  OPENROUTER_BASE_URL, ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, GEMINI_API_KEY,
  GOOGLE_GEMINI_BASE_URL, OLLAMA_HOST, WISP_EFFORT, WISP_SANDBOX, NO_COLOR
";

fn value(args: &mut impl Iterator<Item = String>, flag: &str) -> Result<String, String> {
    args.next().ok_or_else(|| format!("{flag} needs a value"))
}

/// The arguments as text: one that is not valid UTF-8 is a usage error
/// naming it, rather than a panic in `std::env::args`.
pub fn utf8_args(args: impl Iterator<Item = std::ffi::OsString>) -> Result<Vec<String>, String> {
    args.map(|a| {
        a.into_string()
            .map_err(|a| format!("argument {a:?} is not valid UTF-8"))
    })
    .collect()
}

/// Parses arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Cli, String> {
    let mut cli = Cli::default();
    let mut words: Vec<String> = Vec::new();
    let mut args = args.into_iter().peekable();
    while let Some(arg) = args.next() {
        // `--flag=value` is accepted as well as `--flag value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut take = |name: &str| match &inline {
            Some(v) => Ok(v.clone()),
            None => value(&mut args, name),
        };
        match flag.as_str() {
            "-p" | "--print" => cli.print = true,
            "--output-format" => {
                let v = take("--output-format")?;
                cli.output_format = Some(match v.as_str() {
                    "text" => OutputFormat::Text,
                    "json" => OutputFormat::Json,
                    "stream-json" => OutputFormat::StreamJson,
                    _ => {
                        return Err(format!(
                            "--output-format: unknown format `{v}` (text, json, stream-json)"
                        ))
                    }
                });
            }
            "--provider" => cli.provider = Some(take("--provider")?),
            "-m" | "--model" => cli.model = Some(take("--model")?),
            "--mode" => {
                let v = take("--mode")?;
                if crate::permissions::Mode::parse(&v).is_none() {
                    return Err(format!(
                        "--mode: unknown mode `{v}` (restrictive, guarded, accept-edits, standard)"
                    ));
                }
                cli.mode = Some(v);
            }
            "--effort" => {
                let v = take("--effort")?;
                if crate::provider::effort::Effort::parse(&v).is_none() {
                    return Err(format!(
                        "--effort: unknown level `{v}` (off, low, medium, high)"
                    ));
                }
                cli.effort = Some(v);
            }
            "--yolo" => cli.yolo = true,
            "--sandbox" => {
                let v = take("--sandbox")?;
                if crate::sandbox::Mode::parse(&v).is_none() {
                    return Err(format!(
                        "--sandbox: unknown mode `{v}` (workspace-write, read-only, off)"
                    ));
                }
                cli.sandbox = Some(v);
            }
            "--allow" => cli.allow.push(take("--allow")?),
            "--max-steps" => {
                let v = take("--max-steps")?;
                cli.max_steps = Some(
                    v.parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or(format!("--max-steps: `{v}` is not a positive number"))?,
                );
            }
            "--step" => cli.step = true,
            "--worktree" => cli.worktree = Some(take("--worktree")?),
            "--test" => cli.test = Some(take("--test")?),
            "--plan" => cli.plan = Some(take("--plan")?),
            "--max" => {
                let v = take("--max")?;
                cli.max_items = Some(
                    v.parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or(format!("--max: `{v}` is not a positive number"))?,
                );
            }
            "--auto" => cli.auto = true,
            "loop" if words.is_empty() && !cli.loop_cmd => cli.loop_cmd = true,
            "--prompt" => cli.prompt_name = Some(take("--prompt")?),
            "-c" | "--continue" => cli.continue_session = true,
            "-r" | "--resume" => {
                cli.resume = Some(match inline.clone() {
                    Some(v) => Some(v),
                    // The next word names the session (an id or a /rename name),
                    // unless it is another option.
                    None => match args.peek() {
                        Some(next) if !next.starts_with('-') => args.next(),
                        _ => None,
                    },
                });
            }
            "--plain" => cli.plain = true,
            "--raw-markdown" => cli.raw_markdown = true,
            "--bell" => cli.bell = true,
            "--no-color" => cli.no_color = true,
            "-V" | "--version" => cli.version = true,
            "-h" | "--help" => cli.help = true,
            "--" => {
                words.extend(args.by_ref());
            }
            f if f.starts_with('-') && f.len() > 1 => {
                return Err(format!("unknown option `{f}` (see wisp --help)"))
            }
            _ => words.push(arg),
        }
    }
    if words.first().map(String::as_str) == Some("acp") {
        if words.len() > 1 {
            return Err("wisp acp takes no prompt (the editor sends it)".into());
        }
        cli.acp = true;
        words.clear();
    }
    if !words.is_empty() {
        // A library prompt's arguments are shell words: keep "b c" one word.
        let quoted: Vec<String> = if cli.prompt_name.is_some() {
            words
                .iter()
                .map(|w| match shlex::try_quote(w) {
                    Ok(q) => q.into_owned(),
                    Err(_) => w.clone(),
                })
                .collect()
        } else {
            words
        };
        cli.prompt = Some(quoted.join(" "));
    }
    Ok(cli)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Cli, String> {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_flags_and_prompt() {
        let c = p(&["-p", "--model=m1", "--allow", "edit", "fix", "the bug"]).expect("parses");
        assert!(c.print);
        assert_eq!(c.model.as_deref(), Some("m1"));
        assert_eq!(c.allow, vec!["edit"]);
        assert_eq!(c.prompt.as_deref(), Some("fix the bug"));
    }

    #[test]
    fn resume_takes_an_id_only_when_it_looks_like_one() {
        let c = p(&["-r", "20261125-094339-1a2b", "go on"]).expect("parses");
        assert_eq!(c.resume, Some(Some("20261125-094339-1a2b".into())));
        assert_eq!(c.prompt.as_deref(), Some("go on"));
        // A name given with /rename resumes too; a following option is not a name.
        let c = p(&["-r", "auth work", "-p", "go on"]).expect("parses");
        assert_eq!(c.resume, Some(Some("auth work".into())));
        assert_eq!(c.prompt.as_deref(), Some("go on"));
        let c = p(&["-r", "-p", "x"]).expect("parses");
        assert_eq!(c.resume, Some(None));
        assert!(c.print);
        assert!(p(&["-c"]).expect("parses").continue_session);
    }

    #[test]
    fn library_prompt_arguments_keep_their_grouping() {
        let c = p(&["-p", "--prompt", "x", "a.txt", "b c"]).expect("parses");
        assert_eq!(c.prompt.as_deref(), Some("a.txt 'b c'"));
        assert_eq!(
            shlex::split(c.prompt.as_deref().unwrap()).unwrap(),
            ["a.txt", "b c"]
        );
    }

    #[test]
    fn rejects_bad_input_in_one_line() {
        assert_eq!(
            p(&["--bogus"]).err().as_deref(),
            Some("unknown option `--bogus` (see wisp --help)")
        );
        assert!(p(&["--model"]).is_err());
        assert!(p(&["--mode", "wild"]).is_err());
        assert!(p(&["--output-format", "xml"]).is_err());
        assert!(p(&["--max-steps", "0"]).is_err());
    }
}
