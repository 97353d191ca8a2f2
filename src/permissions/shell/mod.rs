//! The safe-command classifier: decides whether a shell command may run
//! without asking. Sound before clever: a command is ReadOnly only when every
//! part of it is fully understood and cannot write, delete, run other
//! programs or reach the network. Anything else asks.

mod catastrophic;
#[cfg(test)]
mod fixture;
mod git;
mod lex;
pub mod paths;
mod programs;
#[cfg(test)]
mod rates;
mod sed;
#[cfg(test)]
mod tests;

pub use catastrophic::catastrophic;
pub use lex::Word;
use lex::{tokenize, Tok};
use programs::{program, HARMLESS_OPTIONS};
use std::path::{Path, PathBuf};

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

/// Where a command runs and what the user declared safe.
pub struct Scope<'a> {
    /// The workspace root, canonical.
    pub root: &'a Path,
    pub cwd: &'a Path,
    /// Command prefixes the user declared safe (test and build commands).
    pub safe_commands: &'a [String],
}

/// One simple command as bash will run it: its words after quote removal
/// and its redirections (operator, target).
#[derive(Debug)]
pub struct Simple {
    pub words: Vec<Word>,
    pub redirs: Vec<(String, Word)>,
}

impl Simple {
    /// The words joined by single spaces: what rules are matched against.
    pub fn text(&self) -> String {
        let w: Vec<&str> = self.words.iter().map(|w| w.text.as_str()).collect();
        w.join(" ")
    }

    /// Whether every redirection only moves or drops output (`2>&1`,
    /// `>/dev/null`): no file is read or written through one.
    pub fn harmless_redirs(&self) -> bool {
        self.redirs
            .iter()
            .all(|(op, t)| op != "<" && Self::moves_output(op, t))
    }

    /// A redirection that duplicates or closes a descriptor or drops output.
    fn moves_output(op: &str, t: &Word) -> bool {
        let dup = op.ends_with('&')
            && !t.var
            && (t.text == "-" || t.text.chars().all(|c| c.is_ascii_digit()));
        dup || (!op.starts_with('<') && t.text == "/dev/null" && !t.var)
    }
}

/// Reads a command line into simple commands, or says why bash might see
/// something else.
pub fn commands(command: &str) -> Result<Vec<Simple>, String> {
    let toks = tokenize(command)?;
    let mut out = Vec::new();
    for part in toks.split(|t| *t == Tok::Sep) {
        let mut s = Simple {
            words: Vec::new(),
            redirs: Vec::new(),
        };
        let mut iter = part.iter();
        while let Some(t) = iter.next() {
            match t {
                Tok::Word(w) => s.words.push(w.clone()),
                Tok::Redir(op) => match iter.next() {
                    Some(Tok::Word(w)) => s.redirs.push((op.clone(), w.clone())),
                    _ => return Err("could not parse a redirection".into()),
                },
                Tok::Sep => {}
            }
        }
        if s.words.is_empty() && !s.redirs.is_empty() {
            return Err("a redirection without a command".into());
        }
        if !s.words.is_empty() {
            out.push(s);
        }
    }
    Ok(out)
}

/// Classifies a whole command line: every simple command in it must be
/// safe, and every path it names inside the workspace.
pub fn classify(command: &str, scope: &Scope) -> Class {
    let cmds = match commands(command) {
        Ok(c) => c,
        Err(why) => return Class::Ask(why),
    };
    if cmds.is_empty() {
        return Class::Ask("empty command".into());
    }
    // `cd` changes where later parts run; a failed or piped `cd` does not,
    // so paths are checked against every folder a part may run in.
    let mut cwds = vec![scope.cwd.to_path_buf()];
    let mut worst = Class::ReadOnly;
    for cmd in &cmds {
        match simple(cmd, scope, &mut cwds) {
            Err(why) => return Class::Ask(why),
            Ok(true) => worst = Class::Build,
            Ok(false) => {}
        }
    }
    worst
}

/// Classifies one simple command; Ok(true) for a test or build command.
fn simple(cmd: &Simple, scope: &Scope, cwds: &mut Vec<PathBuf>) -> Result<bool, String> {
    let (prog, args) = cmd.words.split_first().ok_or("empty command")?;
    if is_assignment(&prog.text) {
        return Err("sets a variable before the command".into());
    }
    if prog.var || prog.lead || prog.tilde {
        return Err("the program name comes from an expansion".into());
    }
    for (op, target) in &cmd.redirs {
        if target.var || target.glob || target.tilde {
            return Err("a redirection target comes from an expansion".into());
        }
        if op == "<" {
            for cwd in cwds.iter() {
                paths::check_path(scope.root, cwd, &target.text)?;
            }
        }
    }
    let moves = |(op, t): &&(String, Word)| op == "<" || Simple::moves_output(op, t);
    if !cmd.redirs.iter().all(|r| moves(&r)) {
        return Err("output redirection to a file".into());
    }
    let texts: Vec<&str> = args.iter().map(|w| w.text.as_str()).collect();
    let prog = prog.text.as_str();
    if let Some(n) = safe_prefix(cmd, scope.safe_commands) {
        programs::code_options(prog, &texts[n - 1..])?;
        let spec = &programs::Spec {
            letters: "",
            longs: &[],
        };
        for w in &args[n - 1..] {
            paths::check_word(scope.root, cwds, w, spec)?;
        }
        return Ok(true);
    }
    if prog.contains('/') {
        return Err(format!("runs a program by path: {prog}"));
    }
    // A variable may name any file, inside the workspace or not.
    if args.iter().any(|w| w.var) && prog != "echo" {
        return Err("an argument comes from a variable".into());
    }
    // `sort *` with a file named `--output=x` in the folder writes x.
    for w in args.iter().filter(|w| w.lead && !w.var) {
        if !HARMLESS_OPTIONS.contains(&prog) {
            return Err(format!("a pattern could expand into an option of {prog}"));
        }
        for cwd in cwds.iter() {
            if paths::glob(cwd, &w.text)?
                .iter()
                .any(|m| m.starts_with('-'))
            {
                return Err(format!(
                    "a file name matching {} would become an option of {prog}",
                    w.text
                ));
            }
        }
    }
    // `cd` alone, `cd -` or `cd d*` leave for a folder the checks cannot follow.
    if prog == "cd" && !matches!(args, [dir] if dir.text != "-" && !dir.glob) {
        return Err("cd to a folder that is not named".into());
    }
    // With CDPATH set, `cd name` may go to a folder under any of its entries.
    let cdpath = std::env::var_os("CDPATH").is_some_and(|v| !v.is_empty());
    if prog == "cd" && cdpath && !texts[0].starts_with(['/', '.', '~']) {
        return Err("cd with CDPATH set may leave for another folder".into());
    }
    let verdict = program(prog, &texts)?;
    for (w, text) in args.iter().zip(&verdict.text) {
        if !text {
            paths::check_word(scope.root, cwds, w, verdict.spec)?;
        }
    }
    if prog == "git" {
        paths::foreign_repo(scope.root, cwds)?;
    }
    // `diff DIR1 DIR2` reads the files both hold, following their symlinks.
    if prog == "diff" {
        for t in &texts {
            let value = t.rsplit('=').next().unwrap_or(t);
            if cwds
                .iter()
                .any(|c| crate::tools::resolve_path(c, value).is_dir())
            {
                return Err("diff of folders follows the symlinks in them".into());
            }
        }
    }
    if prog == "cd" {
        let dir = &args[0];
        let mut next = Vec::new();
        for cwd in cwds.iter() {
            let to = if dir.tilde {
                PathBuf::from(paths::tilde(cwd, &dir.text)?)
            } else {
                crate::tools::resolve_path(cwd, &dir.text)
            };
            next.push(crate::permissions::workspace::canonical(&to));
        }
        cwds.extend(next);
        cwds.dedup();
    }
    Ok(verdict.build)
}

/// How many words of a configured safe command this command starts with.
fn safe_prefix(cmd: &Simple, safe_commands: &[String]) -> Option<usize> {
    safe_commands.iter().find_map(|safe| {
        let want: Vec<&str> = safe.split_whitespace().collect();
        let ok = !want.is_empty()
            && cmd.words.len() >= want.len()
            && cmd.words[..want.len()]
                .iter()
                .zip(&want)
                .all(|(w, s)| !w.var && !w.glob && w.text == *s);
        ok.then_some(want.len())
    })
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}
