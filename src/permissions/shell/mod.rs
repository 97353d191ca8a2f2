//! The safe-command classifier: decides whether a shell command may run
//! without asking. Sound before clever: a command is ReadOnly only when every
//! part of it is fully understood and cannot write, delete, run other
//! programs or reach the network. Anything else asks.

mod catastrophic;
mod lex;
pub mod paths;
mod programs;
#[cfg(test)]
mod tests;

pub use catastrophic::catastrophic;
use lex::{tokenize, Tok};
use programs::{program, HARMLESS_OPTIONS};

/// How a shell command may be treated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    /// Fully understood and read-only.
    ReadOnly,
    /// The project's own test or build command (or a configured safe command).
    Build,
    /// Anything else, with a short reason for the user.
    Ask(String),
}

/// Classifies a whole command line: every simple command in it must be safe.
pub fn classify(command: &str, safe_commands: &[String]) -> Class {
    let toks = match tokenize(command) {
        Ok(t) => t,
        Err(why) => return Class::Ask(why),
    };
    let mut worst = Class::ReadOnly;
    let mut any = false;
    for part in toks.split(|t| *t == Tok::Sep) {
        if part.is_empty() {
            continue;
        }
        any = true;
        match simple(part, safe_commands) {
            Class::Ask(why) => return Class::Ask(why),
            Class::Build => worst = Class::Build,
            Class::ReadOnly => {}
        }
    }
    if any {
        worst
    } else {
        Class::Ask("empty command".into())
    }
}

/// Classifies one simple command (no separators left).
fn simple(part: &[Tok], safe_commands: &[String]) -> Class {
    let mut words: Vec<&str> = Vec::new();
    // Arguments whose text is only known once the shell expands them.
    let mut expands = false;
    let mut vars = false;
    let mut iter = part.iter();
    while let Some(t) = iter.next() {
        match t {
            Tok::Word(w, var, lead) => {
                if words.is_empty() {
                    if *var || *lead {
                        return Class::Ask("the program name comes from an expansion".into());
                    }
                    if is_assignment(w) {
                        return Class::Ask("sets a variable before the command".into());
                    }
                } else {
                    expands |= *lead;
                    vars |= *var;
                }
                words.push(w);
            }
            Tok::Redir(op) => {
                let target = match iter.next() {
                    Some(Tok::Word(w, false, false)) => w.as_str(),
                    _ => return Class::Ask("could not parse a redirection".into()),
                };
                if op == "<" {
                    continue;
                }
                let dup = op.ends_with('&')
                    && (target == "-" || target.chars().all(|c| c.is_ascii_digit()));
                if !dup && target != "/dev/null" {
                    return Class::Ask("output redirection to a file".into());
                }
            }
            Tok::Sep => {}
        }
    }
    let Some((&prog, args)) = words.split_first() else {
        return Class::Ask("empty command".into());
    };
    for safe in safe_commands {
        let want: Vec<&str> = safe.split_whitespace().collect();
        if !want.is_empty() && words.len() >= want.len() && words[..want.len()] == want[..] {
            return Class::Build;
        }
    }
    if prog.contains('/') {
        return Class::Ask(format!("runs a program by path: {prog}"));
    }
    // A variable may name any file, inside the workspace or not.
    if vars && !matches!(prog, "echo" | "cd") {
        return Class::Ask("an argument comes from a variable".into());
    }
    // `sort *` with a file named `--output=x` in the folder writes x.
    if expands && !HARMLESS_OPTIONS.contains(&prog) {
        return Class::Ask(format!("a pattern could expand into an option of {prog}"));
    }
    // `cd` alone, `cd -` or `cd $X` leave for a folder the workspace check cannot see.
    if prog == "cd" && (vars || !matches!(args, [dir] if *dir != "-")) {
        return Class::Ask("cd to a folder that is not named".into());
    }
    program(prog, args)
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}
