//! Per-program rules: which invocations of each known program are read-only,
//! which are the project's test or build commands, and which must ask; and
//! which arguments are text (patterns, scripts, separators) rather than paths.

/// What a known program's invocation was found to be.
#[derive(Debug)]
pub struct Verdict {
    /// A test or build command (runs project code) rather than read-only.
    pub build: bool,
    /// Per argument: true when it is text, never a path (a grep pattern).
    pub text: Vec<bool>,
    pub spec: &'static Spec,
}

/// Options whose value is text, not a path: short letters and long names.
/// Only options that really take a value may be listed: the word after one
/// is not checked as a path.
#[derive(Debug)]
pub struct Spec {
    pub letters: &'static str,
    pub longs: &'static [&'static str],
}

const NONE: Spec = Spec {
    letters: "",
    longs: &[],
};

fn spec(prog: &str) -> &'static Spec {
    match prog {
        "cut" => &Spec {
            letters: "dfbc",
            longs: &[
                "--delimiter",
                "--fields",
                "--bytes",
                "--characters",
                "--output-delimiter",
            ],
        },
        "sort" => &Spec {
            letters: "tkS",
            longs: &["--field-separator", "--key", "--buffer-size"],
        },
        "head" | "tail" => &Spec {
            letters: "nc",
            longs: &["--lines", "--bytes"],
        },
        "grep" | "egrep" | "fgrep" => &Spec {
            letters: "emABCdD",
            longs: &[
                "--regexp",
                "--max-count",
                "--after-context",
                "--before-context",
                "--context",
                "--include",
                "--exclude",
                "--exclude-dir",
                "--label",
                "--binary-files",
                "--devices",
                "--directories",
            ],
        },
        "rg" => &Spec {
            letters: "egtTmABCM",
            longs: &[
                "--regexp",
                "--glob",
                "--iglob",
                "--type",
                "--type-not",
                "--max-count",
                "--after-context",
                "--before-context",
                "--context",
                "--max-columns",
                "--replace",
                "--sort",
                "--sortr",
            ],
        },
        "ls" => &Spec {
            letters: "IwT",
            longs: &["--ignore", "--hide", "--width", "--format", "--sort"],
        },
        "tree" => &Spec {
            letters: "PILH",
            longs: &[],
        },
        "git" => &Spec {
            letters: "",
            longs: &[
                "--grep",
                "--author",
                "--committer",
                "--since",
                "--until",
                "--after",
                "--before",
            ],
        },
        "sed" => &Spec {
            letters: "el",
            longs: &["--expression", "--line-length"],
        },
        "jq" => &Spec {
            letters: "",
            longs: &["--arg", "--argjson", "--indent"],
        },
        "find" => &Spec {
            letters: "",
            longs: &[
                "-name",
                "-iname",
                "-path",
                "-ipath",
                "-regex",
                "-iregex",
                "-wholename",
                "-type",
                "-lname",
                "-ilname",
            ],
        },
        _ => &NONE,
    }
}

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

/// Programs whose every argument is text: they read no file named on the line.
const ALL_TEXT: &[&str] = &[
    "echo", "printf", "tr", "seq", "true", "false", "pwd", "whoami", "uname", "id", "basename",
    "dirname", "which", "type",
];

/// Whether an argument is the option `opt`: the same word, its `=VALUE`
/// form, an abbreviation of a long option (GNU tools and git accept any
/// unambiguous prefix: `sort --outp=x`), or a short option anywhere in a
/// cluster of letters (`-uo FILE`, `-uoFILE`).
pub fn is_opt(arg: &str, opt: &str) -> bool {
    if let Some(long) = opt.strip_prefix("--") {
        let name = arg.split('=').next().unwrap_or(arg);
        return name.len() > 2 && name.starts_with("--") && long.starts_with(&name[2..]);
    }
    if opt.len() == 2 {
        let letter = &opt[1..];
        return arg.starts_with('-') && !arg.starts_with("--") && arg[1..].contains(letter);
    }
    // Single-dash long options (find, go): the word, `=VALUE`, or go's `--opt`.
    let name = arg.split('=').next().unwrap_or(arg);
    name == opt || name.strip_prefix('-') == Some(opt)
}

fn has_opt(args: &[&str], opts: &[&str]) -> bool {
    args.iter().any(|a| opts.iter().any(|o| is_opt(a, o)))
}

/// Marks the value words of the text options in `spec` (`-d /`, `--key 2`).
fn option_values(args: &[&str], spec: &Spec) -> Vec<bool> {
    let mut text = vec![false; args.len()];
    for (i, a) in args.iter().enumerate() {
        let takes = if a.starts_with("--") {
            !a.contains('=') && spec.longs.iter().any(|l| is_opt(a, l))
        } else if a.starts_with('-') && a.len() > 1 && spec.longs.contains(a) {
            true
        } else if a.starts_with('-') && !a.starts_with("--") && a.len() > 1 {
            // The letter that takes a value ends the cluster: `-nd` then a word.
            let first = a[1..].find(|c| spec.letters.contains(c));
            first.is_some_and(|p| p + 2 == a.len())
        } else {
            false
        };
        if takes && i + 1 < args.len() {
            text[i + 1] = true;
        }
    }
    text
}

/// The index of the first positional argument, skipping the value words of
/// `spec`'s options; None when an unknown long option without `=` may have
/// taken the next word, so the position is unsure.
fn first_positional(args: &[&str], spec: &Spec, flags: &[&str]) -> Option<usize> {
    let values = option_values(args, spec);
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        if values[i] {
        } else if a == "--" {
            return (i + 1 < args.len()).then_some(i + 1);
        } else if a.starts_with("--") {
            let known = a.contains('=')
                || flags.iter().any(|f| is_opt(a, f))
                || spec.longs.iter().any(|l| is_opt(a, l));
            if !known {
                return None;
            }
        } else if !a.starts_with('-') || a == "-" {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Classifies a known program's arguments.
pub fn program(prog: &str, args: &[&str]) -> Result<Verdict, String> {
    let sp = spec(prog);
    let mut text = option_values(args, sp);
    let ask = |ok: bool, why: &str| if ok { Ok(()) } else { Err(why.to_string()) };
    let mut build = false;
    match prog {
        "cat" | "head" | "pwd" | "echo" | "which" | "type" | "stat" | "df" | "basename"
        | "dirname" | "realpath" | "readlink" | "true" | "false" | "whoami" | "uname" | "cut"
        | "tr" | "nl" | "column" | "cd" | "id" | "test" | "[" | "tac" | "rev" | "comm" | "seq"
        | "cmp" => {}
        // These read the files a list names: paths the checks cannot see.
        "wc" => ask(
            !has_opt(args, &["--files0-from"]),
            "wc --files0-from reads the files a list names",
        )?,
        "md5sum" | "sha256sum" | "sha1sum" => ask(
            !has_opt(args, &["-c", "--check"]),
            "a checksum list names files to read",
        )?,
        "ls" => ask(
            !(has_opt(args, &["-L", "--dereference"]) && has_opt(args, &["-R", "--recursive"])),
            "ls -RL follows symlinks, which may lead outside the workspace",
        )?,
        "du" => {
            ask(
                !has_opt(args, &["-L", "--dereference"]),
                "du -L follows symlinks, which may lead outside the workspace",
            )?;
            ask(
                !has_opt(args, &["--files0-from"]),
                "du --files0-from reads the files a list names",
            )?;
        }
        "file" => {
            ask(
                !has_opt(args, &["-C", "--compile"]),
                "file -C writes a file",
            )?;
            ask(
                !has_opt(args, &["-f", "--files-from"]),
                "file -f reads the files a list names",
            )?;
        }
        "diff" => ask(
            !has_opt(args, &["-r", "--recursive"]),
            "diff -r follows symlinks, which may lead outside the workspace",
        )?,
        "grep" | "egrep" | "fgrep" => {
            ask(
                !has_opt(args, &["-R", "--dereference-recursive"]),
                "grep -R follows symlinks, which may lead outside the workspace",
            )?;
            let explicit = has_opt(args, &["-e", "-f", "--regexp", "--file"]);
            if !explicit {
                if let Some(p) = first_positional(args, sp, GREP_FLAGS) {
                    text[p] = true;
                }
            }
        }
        "jq" => {
            ask(
                !has_opt(args, &["-f", "--from-file", "-L"]),
                "a jq filter from a file or module path may load other files",
            )?;
            if let Some(p) = first_positional(args, sp, &[]) {
                // `import "../x" as $d;` reads a file the checks cannot see.
                ask(
                    !args[p].contains("import") && !args[p].contains("include"),
                    "a jq filter that loads modules reads other files",
                )?;
                text[p] = true;
            }
        }
        "tail" => ask(
            !has_opt(args, &["-f", "-F", "--follow", "--retry"]),
            "tail -f never ends",
        )?,
        "rg" => {
            ask(
                !has_opt(args, &["--pre", "--pre-glob", "--hostname-bin"]),
                "rg --pre runs a program",
            )?;
            ask(
                !has_opt(args, &["-L", "--follow"]),
                "rg -L follows symlinks, which may lead outside the workspace",
            )?;
            let explicit = has_opt(args, &["-e", "-f", "--regexp", "--file", "--files"]);
            if !explicit {
                if let Some(p) = first_positional(args, sp, RG_FLAGS) {
                    text[p] = true;
                }
            }
        }
        "find" => {
            ask(
                !has_opt(
                    args,
                    &[
                        "-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint", "-fprint0",
                        "-fprintf", "-fls",
                    ],
                ),
                "find can run commands or write files with these options",
            )?;
            ask(
                !args.iter().any(|a| matches!(*a, "-L" | "-follow")),
                "find -L follows symlinks, which may lead outside the workspace",
            )?;
            ask(
                !has_opt(args, &["-files0-from"]),
                "find -files0-from reads the folders a list names",
            )?;
        }
        "sort" => {
            ask(
                !has_opt(args, &["-o", "--output", "--compress-program"]),
                "sort -o writes a file (--compress-program runs one)",
            )?;
            ask(
                !has_opt(args, &["--files0-from"]),
                "sort --files0-from reads the files a list names",
            )?;
        }
        "tree" => {
            ask(!has_opt(args, &["-o", "-R"]), "tree -o writes a file")?;
            ask(
                !has_opt(args, &["-l"]),
                "tree -l follows symlinks, which may lead outside the workspace",
            )?;
        }
        "date" => ask(!has_opt(args, &["-s", "--set"]), "date -s sets the clock")?,
        "printf" => ask(!has_opt(args, &["-v"]), "printf -v sets a variable")?,
        "uniq" => ask(
            args.iter()
                .filter(|a| !a.starts_with('-') || **a == "-")
                .count()
                <= 1,
            "uniq with two files writes the second",
        )?,
        "sed" => super::sed::check(args, &mut text)?,
        "git" => super::git::check(args)?,
        "cargo" => {
            build_cmd(
                matches!(
                    args,
                    ["test", ..]
                        | ["build", ..]
                        | ["check", ..]
                        | ["clippy", ..]
                        | ["nextest", "run", ..]
                ) || (args.first() == Some(&"fmt") && args.contains(&"--check")),
            )?;
            build = true;
        }
        "npm" => {
            build_cmd(matches!(args, ["test", ..] | ["run", "test", ..]))?;
            build = true;
        }
        "pytest" => build = true,
        "python" | "python3" if matches!(args, ["-m", "pytest", ..]) => build = true,
        "go" => {
            build_cmd(matches!(args, ["test", ..] | ["build", ..] | ["vet", ..]))?;
            build = true;
        }
        "make" => {
            build_cmd(matches!(args, ["test"] | ["check"]))?;
            build = true;
        }
        "sh" | "bash" | "zsh" | "dash" | "fish" | "eval" | "exec" | "env" | "xargs" | "sudo"
        | "doas" | "nohup" | "timeout" | "watch" | "nice" | "time" | "command" | "builtin"
        | "parallel" | "su" | "setsid" | "stdbuf" | "strace" | "python" | "python3" | "node"
        | "perl" | "ruby" | "awk" | "gawk" | "source" | "." => {
            return Err(format!("runs another command: {prog}"))
        }
        "tee" => return Err("tee writes files".into()),
        "less" | "more" | "vi" | "vim" | "nano" => return Err(format!("{prog} is interactive")),
        _ => return Err(format!("not a known read-only command: {prog}")),
    }
    if build {
        code_options(prog, args)?;
    }
    if ALL_TEXT.contains(&prog) {
        text = vec![true; args.len()];
    }
    Ok(Verdict {
        build,
        text,
        spec: sp,
    })
}

/// grep's long options that take no value (any other without `=` may).
const GREP_FLAGS: &[&str] = &[
    "--recursive",
    "--line-number",
    "--ignore-case",
    "--no-ignore-case",
    "--invert-match",
    "--word-regexp",
    "--line-regexp",
    "--count",
    "--files-with-matches",
    "--files-without-match",
    "--only-matching",
    "--quiet",
    "--silent",
    "--no-messages",
    "--byte-offset",
    "--with-filename",
    "--no-filename",
    "--extended-regexp",
    "--fixed-strings",
    "--basic-regexp",
    "--perl-regexp",
    "--color",
    "--colour",
    "--text",
    "--null",
    "--null-data",
    "--initial-tab",
];

/// rg's long options that take no value.
const RG_FLAGS: &[&str] = &[
    "--line-number",
    "--ignore-case",
    "--smart-case",
    "--case-sensitive",
    "--invert-match",
    "--word-regexp",
    "--count",
    "--files-with-matches",
    "--fixed-strings",
    "--hidden",
    "--no-ignore",
    "--json",
    "--vimgrep",
    "--no-heading",
    "--heading",
    "--only-matching",
    "--multiline",
    "--color",
    "--quiet",
];

fn build_cmd(ok: bool) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err("not a known test or build command".into())
    }
}

/// Options of test and build programs that run a program of the command's
/// choosing or load settings from elsewhere; they ask even after a safe prefix.
pub fn code_options(prog: &str, args: &[&str]) -> Result<(), String> {
    let specific: &[&str] = match prog {
        "cargo" => &["--config", "-Z"],
        "go" => &["-exec", "-toolexec", "-vettool", "-overlay", "-modfile"],
        "npm" | "npx" | "yarn" | "pnpm" => &["--script-shell", "--node-options", "--call"],
        "pytest" | "python" | "python3" => &["-p", "--rootdir", "--confcutdir"],
        "make" | "gmake" => &[
            "-f",
            "-C",
            "-E",
            "--eval",
            "--file",
            "--makefile",
            "--directory",
        ],
        "just" => &["--shell", "--command", "--justfile", "--working-directory"],
        _ => &[],
    };
    const ANY: &[&str] = &[
        "--config",
        "--exec",
        "--shell",
        "--eval",
        "--rcfile",
        "--init-file",
        "--require",
        "--loader",
        "--import",
    ];
    for a in args {
        if let Some(o) = specific.iter().chain(ANY).find(|o| is_opt(a, o)) {
            return Err(format!("{prog} {o} can run other programs"));
        }
        // `make test SHELL=/bin/x` overrides a variable of the build file.
        if matches!(prog, "make" | "gmake" | "just") && a.contains('=') && !a.starts_with('-') {
            return Err(format!("{prog} {a} overrides a build variable"));
        }
    }
    Ok(())
}
