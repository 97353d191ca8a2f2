//! The safe-command classifier: decides whether a shell command may run
//! without asking. Sound before clever: a command is ReadOnly only when every
//! part of it is fully understood and cannot write, delete, run other
//! programs or reach the network. Anything else asks.

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

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A word, whether it contains a `$` expansion outside single quotes,
    /// and whether it starts with an unquoted expansion (`$`, `*`, `?`, `[`,
    /// `{`), which may turn into an option such as `--output=FILE`, or into
    /// several words.
    Word(String, bool, bool),
    /// `;`, `&&`, `||`, `|`, `|&`.
    Sep,
    /// A redirection operator (`>`, `2>>`, `&>`, `<`, `>&`).
    Redir(String),
}

fn ask(why: impl Into<String>) -> Result<Vec<Tok>, String> {
    Err(why.into())
}

/// Splits shell text into words, separators and redirections; refuses every
/// construct that could run or write something we cannot see.
fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut toks = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut has_var = false;
    let mut lead = false;
    let mut i = 0;
    macro_rules! end_word {
        () => {
            if in_word {
                toks.push(Tok::Word(std::mem::take(&mut word), has_var, lead));
                in_word = false;
                has_var = false;
                lead = false;
            }
        };
    }
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\t' => end_word!(),
            '\n' | ';' => {
                end_word!();
                toks.push(Tok::Sep);
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    word.push(chars[i]);
                    i += 1;
                }
                if i >= chars.len() {
                    return ask("could not parse: unbalanced quote");
                }
            }
            '"' => {
                in_word = true;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return ask("could not parse: unbalanced quote"),
                        Some('"') => break,
                        Some('\\') => {
                            if let Some(&n) = chars.get(i + 1) {
                                word.push(n);
                            }
                            i += 2;
                            continue;
                        }
                        Some('`') => return ask("command substitution"),
                        Some('$') => {
                            if chars.get(i + 1) == Some(&'(') {
                                return ask("command substitution");
                            }
                            has_var |= expands_after_dollar(chars.get(i + 1).copied());
                            word.push('$');
                        }
                        Some(&ch) => word.push(ch),
                    }
                    i += 1;
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = next {
                    if n != '\n' {
                        word.push(n);
                    }
                    i += 1;
                }
            }
            '`' => return ask("command substitution"),
            '$' => {
                if next == Some('(') {
                    return ask("command substitution");
                }
                in_word = true;
                if expands_after_dollar(next) {
                    has_var = true;
                    lead |= word.is_empty();
                }
                word.push('$');
            }
            '(' | ')' => return ask("subshell or group"),
            '<' => {
                if next == Some('(') {
                    return ask("process substitution");
                }
                if next == Some('<') {
                    return ask("here-document");
                }
                end_word!();
                toks.push(Tok::Redir("<".into()));
            }
            '>' => {
                if next == Some('(') {
                    return ask("process substitution");
                }
                // A word of digits right before `>` is a file descriptor.
                let mut op = String::new();
                if in_word && !word.is_empty() && word.chars().all(|d| d.is_ascii_digit()) {
                    op = std::mem::take(&mut word);
                    in_word = false;
                    has_var = false;
                    lead = false;
                }
                end_word!();
                op.push('>');
                if let Some(n @ ('>' | '|' | '&')) = next {
                    op.push(n);
                    i += 1;
                }
                toks.push(Tok::Redir(op));
            }
            '&' => {
                end_word!();
                match next {
                    Some('&') => {
                        toks.push(Tok::Sep);
                        i += 1;
                    }
                    Some('>') => {
                        let mut op = "&>".to_string();
                        i += 1;
                        if chars.get(i + 1) == Some(&'>') {
                            op.push('>');
                            i += 1;
                        }
                        toks.push(Tok::Redir(op));
                    }
                    _ => return ask("runs in the background"),
                }
            }
            '|' => {
                end_word!();
                if matches!(next, Some('|') | Some('&')) {
                    i += 1;
                }
                toks.push(Tok::Sep);
            }
            _ => {
                in_word = true;
                lead |= word.is_empty() && matches!(c, '*' | '?' | '[' | '{');
                word.push(c);
            }
        }
        i += 1;
    }
    if in_word {
        toks.push(Tok::Word(word, has_var, lead));
    }
    Ok(toks)
}

/// Whether `$` followed by `next` expands: before a name, `{`, a digit or a
/// special parameter. Elsewhere (`grep "x$"`) it is a plain dollar sign.
fn expands_after_dollar(next: Option<char>) -> bool {
    next.is_some_and(|c| c.is_ascii_alphanumeric() || "_{@*#?$!-".contains(c))
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

/// Read-only programs none of whose options write, delete or run anything,
/// so a pattern that expands into an option is harmless.
const HARMLESS_OPTIONS: &[&str] = &[
    "ls",
    "cat",
    "head",
    "wc",
    "echo",
    "file",
    "stat",
    "du",
    "diff",
    "cmp",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "cut",
    "nl",
    "grep",
    "egrep",
    "fgrep",
    "md5sum",
    "sha256sum",
    "sha1sum",
    "tac",
    "rev",
    "comm",
];

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

/// True when any argument is one of `bad` or starts with `bad=` (long options)
/// or is a short option cluster starting with a `bad` short flag (`-ofile`).
/// GNU tools and git also take any unambiguous abbreviation of a long option
/// (`sort --outp=x`), so every prefix of a bad long option counts as it.
fn has_flag(args: &[&str], bad: &[&str]) -> bool {
    args.iter().any(|a| {
        let long = a.split('=').next().unwrap_or(a);
        bad.iter().any(|b| {
            *a == *b
                || (b.starts_with("--") && long.len() > 2 && b.starts_with(long))
                || (b.len() == 2
                    && !b.starts_with("--")
                    && a.starts_with(b)
                    && !a.starts_with("--"))
        })
    })
}

fn program(prog: &str, args: &[&str]) -> Class {
    let ro = |ok: bool, why: &str| {
        if ok {
            Class::ReadOnly
        } else {
            Class::Ask(why.to_string())
        }
    };
    match prog {
        "ls" | "cat" | "head" | "wc" | "pwd" | "echo" | "which" | "type" | "file" | "stat"
        | "du" | "df" | "diff" | "cmp" | "basename" | "dirname" | "realpath" | "readlink"
        | "true" | "false" | "whoami" | "uname" | "cut" | "tr" | "nl" | "column" | "jq"
        | "grep" | "egrep" | "fgrep" | "cd" | "id" | "test" | "[" | "md5sum" | "sha256sum"
        | "sha1sum" | "tac" | "rev" | "comm" | "seq" => Class::ReadOnly,
        "tail" => ro(
            !has_flag(args, &["-f", "-F", "--follow"]),
            "tail -f never ends",
        ),
        "rg" => ro(
            !has_flag(args, &["--pre", "--pre-glob"]),
            "rg --pre runs a program",
        ),
        "find" => ro(
            !has_flag(
                args,
                &[
                    "-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint", "-fprint0",
                    "-fprintf", "-fls",
                ],
            ),
            "find can run commands or write files with these options",
        ),
        "sort" => ro(
            !has_flag(args, &["-o", "--output", "--compress-program"]),
            "sort -o writes a file",
        ),
        "tree" => ro(!has_flag(args, &["-o"]), "tree -o writes a file"),
        "date" => ro(!has_flag(args, &["-s", "--set"]), "date -s sets the clock"),
        "printf" => ro(!has_flag(args, &["-v"]), "printf -v sets a variable"),
        "uniq" => ro(
            args.iter().filter(|a| !a.starts_with('-')).count() <= 1,
            "uniq with two files writes the second",
        ),
        "sed" => sed(args),
        "git" => git(args),
        "cargo" => build(
            matches!(
                args,
                ["test", ..]
                    | ["build", ..]
                    | ["check", ..]
                    | ["clippy", ..]
                    | ["nextest", "run", ..]
            ) || (args.first() == Some(&"fmt") && args.contains(&"--check")),
        ),
        "npm" => build(matches!(args, ["test", ..] | ["run", "test", ..])),
        "pytest" => Class::Build,
        "python" | "python3" if matches!(args, ["-m", "pytest", ..]) => Class::Build,
        "go" => build(matches!(args, ["test", ..] | ["build", ..] | ["vet", ..])),
        "make" => build(matches!(args, ["test"] | ["check"])),
        "sh" | "bash" | "zsh" | "dash" | "fish" | "eval" | "exec" | "env" | "xargs" | "sudo"
        | "doas" | "nohup" | "timeout" | "watch" | "nice" | "time" | "command" | "builtin"
        | "parallel" | "su" | "setsid" | "stdbuf" | "strace" | "python" | "python3" | "node"
        | "perl" | "ruby" | "awk" | "gawk" | "source" | "." => {
            Class::Ask(format!("runs another command: {prog}"))
        }
        "tee" => Class::Ask("tee writes files".into()),
        "less" | "more" | "vi" | "vim" | "nano" => Class::Ask(format!("{prog} is interactive")),
        _ => Class::Ask(format!("not a known read-only command: {prog}")),
    }
}

fn build(ok: bool) -> Class {
    if ok {
        Class::Build
    } else {
        Class::Ask("not a known test or build command".into())
    }
}

fn sed(args: &[&str]) -> Class {
    if has_flag(args, &["-i", "--in-place"])
        || args
            .iter()
            .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('i'))
    {
        return Class::Ask("sed -i edits files".into());
    }
    let quiet = args.iter().any(|a| {
        *a == "--quiet"
            || *a == "--silent"
            || (a.starts_with('-') && !a.starts_with("--") && a.contains('n'))
    });
    if !quiet {
        return Class::Ask("sed without -n".into());
    }
    // The script is the argument of -e, or the first non-option argument.
    let mut scripts = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if args[i] == "-e" || args[i] == "--expression" {
            scripts.extend(args.get(i + 1));
            i += 2;
            continue;
        }
        if !args[i].starts_with('-') {
            if scripts.is_empty() {
                scripts.push(&args[i]);
            }
            break;
        }
        i += 1;
    }
    if scripts.is_empty() || !scripts.iter().all(|s| sed_script_safe(s)) {
        return Class::Ask("sed script could write files or run commands".into());
    }
    Class::ReadOnly
}

/// Accepts only addresses followed by `p`, `=`, `l`, `q`, `d`, `n` or
/// `s/x/y/` with harmless flags; `w`, `W`, `e` and anything unknown ask.
fn sed_script_safe(script: &str) -> bool {
    script.split([';', '\n']).all(|cmd| {
        let mut c = cmd.trim();
        // Addresses: line numbers, $, ranges, /regex/, steps.
        loop {
            let before = c;
            c = c.trim_start_matches(|ch: char| {
                ch.is_ascii_digit() || matches!(ch, '$' | ',' | '~' | '!' | ' ' | '+')
            });
            if let Some(rest) = c.strip_prefix('/') {
                match rest.find('/') {
                    Some(end) => c = &rest[end + 1..],
                    None => return false,
                }
            }
            if c == before {
                break;
            }
        }
        match c.chars().next() {
            None => true,
            Some('p' | '=' | 'l' | 'q' | 'd' | 'n') => c.len() == 1,
            Some('s') => {
                let mut it = c[1..].chars();
                let Some(delim) = it.next() else { return false };
                let body: String = it.collect();
                let parts: Vec<&str> = body.split(delim).collect();
                parts.len() == 3
                    && parts[2]
                        .chars()
                        .all(|f| matches!(f, 'g' | 'p' | 'i' | 'I') || f.is_ascii_digit())
            }
            _ => false,
        }
    })
}

fn git(args: &[&str]) -> Class {
    let mut i = 0;
    // Global options before the subcommand.
    while let Some(a) = args.get(i) {
        match *a {
            "-C" => i += 2,
            "--no-pager" | "-P" | "--no-optional-locks" => i += 1,
            a if a.starts_with('-') => return Class::Ask(format!("git option {a}")),
            _ => break,
        }
    }
    let Some(sub) = args.get(i) else {
        return Class::Ask("git without a subcommand".into());
    };
    let rest = &args[i + 1..];
    if has_flag(
        rest,
        &[
            "--output",
            "--ext-diff",
            "--textconv",
            "--exec",
            "--upload-pack",
            "--open-files-in-pager",
        ],
    ) {
        return Class::Ask("git option that writes or runs programs".into());
    }
    match *sub {
        "status" | "log" | "diff" | "show" | "blame" | "ls-files" | "rev-parse" | "shortlog"
        | "describe" => Class::ReadOnly,
        "branch" => {
            let listing = [
                "-a",
                "-r",
                "-v",
                "-vv",
                "--list",
                "-l",
                "--show-current",
                "--all",
                "--remotes",
                "--verbose",
                "--contains",
                "--no-contains",
                "--merged",
                "--no-merged",
                "--no-color",
                "--color",
            ];
            let mut pattern_ok = false;
            for a in rest {
                if a.starts_with('-') {
                    let name = a.split('=').next().unwrap_or(a);
                    if !listing.contains(&name)
                        && !name.starts_with("--sort")
                        && !name.starts_with("--format")
                    {
                        return Class::Ask(format!("git branch {a} changes branches"));
                    }
                    pattern_ok |= matches!(
                        name,
                        "--list"
                            | "-l"
                            | "--contains"
                            | "--no-contains"
                            | "--merged"
                            | "--no-merged"
                    );
                } else if !pattern_ok {
                    return Class::Ask("git branch NAME creates a branch".into());
                }
            }
            Class::ReadOnly
        }
        other => Class::Ask(format!("git {other} is not read-only")),
    }
}

/// For `--yolo`: a short list of commands that are refused even then.
pub fn catastrophic(command: &str) -> Option<String> {
    let compact: String = command.split_whitespace().collect::<Vec<_>>().join(" ");
    if compact.contains(":(){") || compact.contains(":|:&") || compact.contains(":|: &") {
        return Some("fork bomb".into());
    }
    for dev in ["/dev/sd", "/dev/nvme", "/dev/hd", "/dev/vd", "/dev/mmcblk"] {
        if compact.contains(&format!("of={dev}"))
            || compact.contains(&format!(">{dev}"))
            || compact.contains(&format!("> {dev}"))
        {
            return Some("writes to a disk device".into());
        }
    }
    for seg in compact.split([';', '&', '|', '\n']) {
        let words = shlex::split(seg)
            .unwrap_or_else(|| seg.split_whitespace().map(str::to_string).collect());
        let w: Vec<&str> = words.iter().map(String::as_str).collect();
        let w = match w.first() {
            Some(&"sudo") => &w[1..],
            _ => &w[..],
        };
        let Some((&prog, args)) = w.split_first() else {
            continue;
        };
        let flags: String = args
            .iter()
            .filter(|a| a.starts_with('-') && !a.starts_with("--"))
            .map(|a| &a[1..])
            .collect();
        let recursive = flags.contains('r') || flags.contains('R') || args.contains(&"--recursive");
        let root_like = |a: &&str| {
            matches!(
                *a,
                "/" | "/*"
                    | "~"
                    | "~/"
                    | "~/*"
                    | "$HOME"
                    | "$HOME/"
                    | "*"
                    | "."
                    | ".."
                    | "/home"
                    | "/usr"
                    | "/etc"
                    | "/var"
                    | "/boot"
                    | "/bin"
                    | "/lib"
            )
        };
        match prog {
            "rm" if recursive
                && (args.iter().any(root_like) || args.contains(&"--no-preserve-root")) =>
            {
                return Some("recursive delete of a root, home or whole directory".into())
            }
            p if p.starts_with("mkfs") => return Some("formats a filesystem".into()),
            "chmod" | "chown" if recursive && args.iter().any(|a| *a == "/" || *a == "/*") => {
                return Some(format!("recursive {prog} of /"))
            }
            "shutdown" | "reboot" | "halt" | "poweroff" => {
                return Some(format!("{prog} the machine"))
            }
            "git"
                if args.first() == Some(&"push")
                    && args.iter().any(|a| *a == "-f" || a.starts_with("--force"))
                    && args.iter().any(|a| {
                        matches!(*a, "main" | "master")
                            || a.ends_with(":main")
                            || a.ends_with(":master")
                    }) =>
            {
                return Some("force-push to main/master".into())
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: u8 = 0; // ReadOnly
    const B: u8 = 1; // Build
    const A: u8 = 2; // Ask

    const CASES: &[(&str, u8)] = &[
        // Plain read-only commands.
        ("ls", R),
        ("ls -la src", R),
        ("cat README.md", R),
        ("head -n 20 src/main.rs", R),
        ("tail -n 5 log.txt", R),
        ("wc -l src/*.rs", R),
        ("pwd", R),
        ("echo hello", R),
        ("which cargo", R),
        ("file target/wisp", R),
        ("stat Cargo.toml", R),
        ("du -sh .", R),
        ("df -h", R),
        ("tree src", R),
        ("diff a.txt b.txt", R),
        ("cmp a b", R),
        ("grep -rn 'fn main' src", R),
        ("rg -n TODO", R),
        ("rg --files", R),
        ("find . -name '*.rs'", R),
        ("find src -type f -newer Cargo.toml", R),
        ("sort names.txt", R),
        ("sort -u -k2 x", R),
        ("uniq -c counts.txt", R),
        ("cut -d: -f1 /etc/passwd", R),
        ("basename a/b.rs", R),
        ("realpath .", R),
        ("date", R),
        ("uname -a", R),
        ("jq .name package.json", R),
        ("printf '%s\\n' a b", R),
        ("true", R),
        ("nl file", R),
        ("tr a-z A-Z", R),
        // Quoted operators are text, not operators.
        ("grep ';' file", R),
        ("grep '|' file", R),
        ("echo \"a > b\"", R),
        ("echo 'a && b'", R),
        ("grep \"x;y\" f", R),
        ("echo a\\;b", R),
        ("grep -e '$(x)' f", R),
        ("echo '`date`'", R),
        // Pipelines and lists of read-only parts.
        ("cat a | grep b | wc -l", R),
        ("ls && pwd", R),
        ("ls; pwd", R),
        ("ls || echo none", R),
        ("ls\npwd", R),
        ("git log --oneline | head -5", R),
        ("cd src && ls", R),
        // Abbreviated long options are the option itself.
        ("sort --outp=x names.txt", A),
        ("sort --out x names.txt", A),
        ("tail --foll log", A),
        ("sed -n --in-pl 's/a/b/p' f", A),
        ("git diff --outp=x", A),
        ("git log --ext HEAD", A),
        ("sort --", R),
        // Patterns and variables that may expand into options or other paths.
        ("sort *", A),
        ("sort ''*", A),
        ("sort {--output=x,y}", A),
        ("tree *", A),
        ("git diff -- *", A),
        ("sort ./*", R),
        ("sort src/*.txt", R),
        ("ls *", R),
        ("cat *.md", R),
        ("grep -n x *", R),
        ("git diff -- '*.rs'", R),
        ("c* file", A),
        ("cat $HOME/.ssh/id_rsa", A),
        ("head \"${F}\"", A),
        ("echo $HOME", R),
        ("grep -n 'x$' f", R),
        ("grep -n \"x$\" f", R),
        ("grep x$ f", R),
        // cd to a folder the workspace check cannot see.
        ("cd", A),
        ("cd -", A),
        ("cd $HOME && cargo test", A),
        ("cd src && cargo test", B),
        ("ls 2>&1 | head", R),
        ("ls 2>/dev/null", R),
        ("grep x f > /dev/null", R),
        ("ls >&2", R),
        ("sort < input.txt", R),
        ("ls &>/dev/null", R),
        ("ls | sort | uniq", R),
        ("ls |& grep x", R),
        ("cat x # comment > file", R),
        // git, read-only.
        ("git status", R),
        ("git status --short", R),
        ("git log -p -3", R),
        ("git diff HEAD~1", R),
        ("git diff --stat", R),
        ("git show HEAD:src/main.rs", R),
        ("git blame src/lib.rs", R),
        ("git ls-files", R),
        ("git rev-parse HEAD", R),
        ("git branch", R),
        ("git branch -a", R),
        ("git branch -vv", R),
        ("git branch --show-current", R),
        ("git branch --list 'feat*'", R),
        ("git -C sub status", R),
        ("git --no-pager log", R),
        ("git branch --contains HEAD", R),
        // sed, read-only forms.
        ("sed -n '1,5p' file", R),
        ("sed -n '/fn main/p' src/main.rs", R),
        ("sed -n 's/a/b/p' f", R),
        ("sed -n -e '10p' -e '20p' f", R),
        ("sed -n '$p' f", R),
        ("sed -n '5,$p' f", R),
        // Build and test commands.
        ("cargo test", B),
        ("cargo test --all -- --nocapture", B),
        ("cargo build --release", B),
        ("cargo check", B),
        ("cargo clippy -- -D warnings", B),
        ("cargo fmt --check", B),
        ("cargo nextest run", B),
        ("npm test", B),
        ("npm run test", B),
        ("pytest -q", B),
        ("python -m pytest tests", B),
        ("go test ./...", B),
        ("go vet ./...", B),
        ("make test", B),
        ("cargo test && git status", B),
        ("make check", B),
        // Redirection to files.
        ("echo hi > out.txt", A),
        ("echo hi >> out.txt", A),
        ("ls > /tmp/x", A),
        ("ls 2> err.log", A),
        ("ls &> all.log", A),
        ("ls >| f", A),
        ("cat a 1> b", A),
        ("ls >out", A),
        // tee, find, sed, git writing.
        ("ls | tee out.txt", A),
        ("find . -exec rm {} \\;", A),
        ("find . -delete", A),
        ("find . -execdir ls \\;", A),
        ("find . -fprint out", A),
        ("find . -ok rm {} \\;", A),
        ("sed -i 's/a/b/' f", A),
        ("sed -i.bak 's/a/b/' f", A),
        ("sed -n 'w out' f", A),
        ("sed -n 's/a/b/w out' f", A),
        ("sed -n '1e date' f", A),
        ("sed 's/a/b/' f", A),
        ("sed -ni 's/a/b/p' f", A),
        ("git log --output=log.txt", A),
        ("git diff --output x", A),
        ("git diff --ext-diff", A),
        ("git -c core.pager=evil log", A),
        ("git branch newname", A),
        ("git branch -D old", A),
        ("git branch -m a b", A),
        ("git commit -m x", A),
        ("git push", A),
        ("git checkout main", A),
        ("git reset --hard", A),
        ("git clean -fd", A),
        ("git config user.name x", A),
        ("git --exec-path=/tmp log", A),
        ("git show --textconv HEAD", A),
        // Substitutions, subshells, heredocs, background.
        ("echo $(rm -rf x)", A),
        ("echo `rm x`", A),
        ("cat <(ls)", A),
        ("diff <(ls a) <(ls b)", A),
        ("echo \"$(date)\"", A),
        ("(cd x && ls)", A),
        ("{ ls; }", A),
        ("cat <<EOF\nhi\nEOF", A),
        ("cat <<< 'hi'", A),
        ("sleep 10 &", A),
        ("ls & pwd", A),
        ("tee >(cat) x", A),
        // Wrappers and interpreters.
        ("sh -c 'ls'", A),
        ("bash -c ls", A),
        ("eval ls", A),
        ("exec ls", A),
        ("env ls", A),
        ("env FOO=1 ls", A),
        ("xargs rm", A),
        ("find . | xargs cat", A),
        ("sudo ls", A),
        ("nohup ls", A),
        ("timeout 5 ls", A),
        ("watch ls", A),
        ("nice ls", A),
        ("time ls", A),
        ("command ls", A),
        ("python script.py", A),
        ("node x.js", A),
        ("awk '{print}' f", A),
        ("perl -e 'print 1'", A),
        ("source env.sh", A),
        (". env.sh", A),
        // Variables and paths that change which program runs.
        ("FOO=1 ls", A),
        ("PATH=/tmp:$PATH ls", A),
        ("$CMD", A),
        ("${X} foo", A),
        ("./ls", A),
        ("/tmp/cat file", A),
        ("bin/run", A),
        // Other unsafe or unknown programs.
        ("rm file", A),
        ("rm -rf target", A),
        ("mv a b", A),
        ("cp a b", A),
        ("mkdir x", A),
        ("touch f", A),
        ("chmod +x f", A),
        ("curl http://example.com", A),
        ("wget x", A),
        ("ssh host", A),
        ("npm install", A),
        ("cargo install ripgrep", A),
        ("cargo run", A),
        ("cargo fmt", A),
        ("make", A),
        ("make install", A),
        ("go run .", A),
        ("pip install x", A),
        ("tail -f log", A),
        ("rg --pre cat x", A),
        ("rg --pre=cat x", A),
        ("sort -o out in", A),
        ("sort --output=out in", A),
        ("sort -oout in", A),
        ("tree -o out", A),
        ("date -s 2020-01-01", A),
        ("printf -v x hi", A),
        ("uniq in out", A),
        ("less file", A),
        ("vim file", A),
        ("unknowncmd", A),
        ("", A),
        ("echo 'unbalanced", A),
        ("echo \"unbalanced", A),
        ("ls; rm x", A),
        ("ls && rm x", A),
        ("cat a | sh", A),
        (";", A),
        ("cargo test; rm -rf /", A),
        ("git status && git push", A),
    ];

    #[test]
    fn classification_table() {
        assert!(CASES.len() >= 150, "{} cases", CASES.len());
        let mut failures = Vec::new();
        for (cmd, want) in CASES {
            let got = match classify(cmd, &[]) {
                Class::ReadOnly => R,
                Class::Build => B,
                Class::Ask(_) => A,
            };
            if got != *want {
                failures.push(format!(
                    "{cmd:?}: got {got}, want {want} ({:?})",
                    classify(cmd, &[])
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn reasons_name_the_problem() {
        let why = |c: &str| match classify(c, &[]) {
            Class::Ask(w) => w,
            other => panic!("{c}: {other:?}"),
        };
        assert!(why("echo x > f").contains("redirection"));
        assert!(why("echo $(id)").contains("substitution"));
        assert!(why("xargs rm").contains("xargs"));
        assert!(why("foo --bar").contains("foo"));
        assert!(why("sleep 1 &").contains("background"));
    }

    #[test]
    fn configured_safe_commands_are_build() {
        let safe = vec!["make lint".to_string(), "just test".to_string()];
        assert_eq!(classify("make lint", &safe), Class::Build);
        assert_eq!(classify("just test --verbose", &safe), Class::Build);
        assert!(matches!(classify("just deploy", &safe), Class::Ask(_)));
        assert!(matches!(classify("make lint > out", &safe), Class::Ask(_)));
    }

    #[test]
    fn catastrophic_commands() {
        for c in [
            "rm -rf /",
            "rm -rf ~",
            "rm -fr /*",
            "sudo rm -rf /",
            "rm -rf --no-preserve-root /",
            "rm -r -f $HOME",
            "mkfs.ext4 /dev/sda1",
            "dd if=/dev/zero of=/dev/sda",
            "echo x > /dev/sda",
            ":(){ :|:& };:",
            "chmod -R 777 /",
            "shutdown -h now",
            "reboot",
            "git push --force origin main",
            "ls; rm -rf .",
        ] {
            assert!(catastrophic(c).is_some(), "{c} should be refused");
        }
        for c in [
            "rm -rf target",
            "rm file",
            "ls /",
            "dd if=a of=b",
            "git push origin main",
            "chmod -R 755 src",
            "cargo test",
        ] {
            assert_eq!(catastrophic(c), None, "{c} is not catastrophic");
        }
    }
}
