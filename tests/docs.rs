//! The shell completions and the man page cover every flag `wisp --help`
//! lists, and the man page renders without warnings.

mod support;
use std::process::Command;
use support::{root, wisp};

/// Every `-x` and `--long` flag in the help text.
fn flags() -> Vec<String> {
    let help = wisp().args(&["--help"]).run().stdout;
    let mut out = Vec::new();
    for line in help.lines().filter(|l| l.trim_start().starts_with('-')) {
        for word in line.split(|c: char| c.is_whitespace() || c == ',') {
            if word.starts_with('-')
                && word.len() > 1
                && word
                    .chars()
                    .skip(1)
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                out.push(word.to_string());
            }
        }
    }
    assert!(out.len() > 10, "flags found in --help: {out:?}");
    out
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn completions_cover_every_flag() {
    let bash = read("completions/wisp.bash");
    let zsh = read("completions/_wisp");
    let fish = read("completions/wisp.fish");
    for flag in flags() {
        let word = |text: &str| {
            text.split(|c: char| c.is_whitespace() || "\"'(){}|,[]*".contains(c))
                .any(|w| w == flag)
        };
        assert!(word(&bash), "bash completion lacks {flag}");
        assert!(word(&zsh), "zsh completion lacks {flag}");
        let f = match flag.strip_prefix("--") {
            Some(long) => format!("-l {long}"),
            None => format!("-s {}", &flag[1..]),
        };
        assert!(
            fish.contains(&format!("{f} ")) || fish.contains(&format!("{f}\n")),
            "fish completion lacks {flag}"
        );
    }
}

#[test]
fn bash_completion_parses() {
    let out = Command::new("bash")
        .arg("-n")
        .arg(root().join("completions/wisp.bash"))
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (shell, file) in [
        ("zsh", "completions/_wisp"),
        ("fish", "completions/wisp.fish"),
    ] {
        match Command::new(shell)
            .arg("-n")
            .arg(root().join(file))
            .output()
        {
            Ok(o) => assert!(
                o.status.success(),
                "{shell}: {}",
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(_) => support::skip(
                &format!("completion syntax check ({shell})"),
                &format!("{shell} is not installed"),
            ),
        }
    }
}

#[test]
fn man_page_documents_every_flag_and_renders_cleanly() {
    let page = read("man/wisp.1").replace("\\-", "-");
    for flag in flags() {
        assert!(page.contains(&flag), "man page lacks {flag}");
    }
    let out = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(root().join("man/wisp.1"))
        .output()
        .expect("groff (installed by tests/support/setup)");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "groff warnings");
}
