//! Per-program rules: which invocations of each known program are read-only,
//! which are the project's test or build commands, and which must ask.

use super::Class;

/// Read-only programs none of whose options write, delete or run anything,
/// so a pattern that expands into an option is harmless.
pub const HARMLESS_OPTIONS: &[&str] = &[
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

pub fn program(prog: &str, args: &[&str]) -> Class {
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
