//! `sed`: read-only only with `-n` and scripts that print; every script is
//! found the way sed finds it (`-e`, `--expression`, attached to a letter
//! cluster, or the first operand), and scripts from files ask.

const LONGS: &[&str] = &[
    "--expression",
    "--file",
    "--in-place",
    "--line-length",
    "--null-data",
    "--zero-terminated",
    "--quiet",
    "--silent",
    "--regexp-extended",
    "--separate",
    "--sandbox",
    "--unbuffered",
    "--debug",
    "--posix",
    "--follow-symlinks",
    "--binary",
];

/// Checks sed's arguments; marks the script words as text, not paths.
pub fn check(args: &[&str], text: &mut [bool]) -> Result<(), String> {
    let mut scripts: Vec<&str> = Vec::new();
    let mut quiet = false;
    let mut explicit = false;
    let mut operands = false;
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        i += 1;
        if operands || !a.starts_with('-') || a == "-" {
            if !explicit && scripts.is_empty() {
                scripts.push(a);
                text[i - 1] = true;
            }
            continue;
        }
        if a == "--" {
            operands = true;
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            let found: Vec<&&str> = LONGS.iter().filter(|l| l[2..].starts_with(name)).collect();
            let full = match found.as_slice() {
                [one] => **one,
                _ => return Err(format!("sed option {a} is unknown or ambiguous")),
            };
            match full {
                "--in-place" => return Err("sed -i edits files".into()),
                "--file" => return Err("sed script from a file".into()),
                "--quiet" | "--silent" => quiet = true,
                "--expression" | "--line-length" => {
                    let v = match value {
                        Some(v) => v,
                        None => {
                            i += 1;
                            if let Some(t) = text.get_mut(i - 1) {
                                *t = true;
                            }
                            args.get(i - 1).copied().unwrap_or("")
                        }
                    };
                    if full == "--expression" {
                        explicit = true;
                        scripts.push(v);
                    }
                }
                _ => {}
            }
            continue;
        }
        // A cluster of short options, read letter by letter.
        for (p, c) in a.char_indices().skip(1) {
            match c {
                'i' => return Err("sed -i edits files".into()),
                'f' => return Err("sed script from a file".into()),
                'n' => quiet = true,
                's' | 'E' | 'r' | 'u' | 'z' => {}
                'e' | 'l' => {
                    let rest = &a[p + 1..];
                    let v = if rest.is_empty() {
                        i += 1;
                        if let Some(t) = text.get_mut(i - 1) {
                            *t = true;
                        }
                        args.get(i - 1).copied().unwrap_or("")
                    } else {
                        rest
                    };
                    if c == 'e' {
                        explicit = true;
                        scripts.push(v);
                    }
                    break;
                }
                _ => return Err(format!("sed option -{c} is not known to be read-only")),
            }
        }
    }
    if !quiet {
        return Err("sed without -n".into());
    }
    if scripts.is_empty() || !scripts.iter().all(|s| script_safe(s)) {
        return Err("sed script could write files or run commands".into());
    }
    Ok(())
}

/// Accepts only addresses followed by `p`, `=`, `l`, `q`, `d`, `n` or
/// `s/x/y/` with harmless flags; `w`, `W`, `e`, `r`, `R` and anything
/// unknown ask.
fn script_safe(script: &str) -> bool {
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
                if delim == '\\' || delim.is_alphanumeric() {
                    return false;
                }
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
