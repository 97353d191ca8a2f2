//! Rates over the table and a list of commands agents run all the time:
//! every safe command still runs, every attack row asks.

use super::fixture::{fixture, run};
use super::tests::CASES;
use super::*;

/// Commands agents run all the time; each must run without asking.
const COMMON: &[&str] = &[
    "git log --oneline -5",
    "git diff --stat",
    "grep -rn X .",
    "sed -n 1,20p f",
    "wc -l < f",
    "ls -la src",
    "find . -name '*.rs'",
    "git status",
    "git status --short",
    "git diff",
    "git diff HEAD~1 -- src",
    "git log -p -3 -- src/main.rs",
    "git show HEAD --stat",
    "git branch --show-current",
    "git log --oneline -5 | head -3",
    "git diff --stat | tail -1",
    "grep -rn 'fn main' src | head -20",
    "grep -rn \"TODO\" --include='*.rs' .",
    "grep -c x f",
    "rg -n TODO src",
    "rg --files | wc -l",
    "find . -name '*.rs' | wc -l",
    "find src -type f | sort | head",
    "ls",
    "ls -R src | head -50",
    "cat Cargo.toml",
    "cat src/main.rs | head -40",
    "head -n 50 src/main.rs",
    "tail -n 20 log.txt",
    "sed -n '10,40p' src/main.rs",
    "sed -n -e '1p' -e '$p' f",
    "wc -l src/*.rs",
    "wc -l src/*.rs | sort -n | tail -5",
    "tree src",
    "du -sh src",
    "cut -d: -f1 names.txt | sort | uniq -c",
    "sort names.txt | uniq",
    "diff f names.txt",
    "echo done",
    "pwd && ls",
    "cd src && ls -la",
    "file src/main.rs",
    "stat Cargo.toml",
    "jq .name f",
    "cargo test",
    "cargo test 2>&1 | tail -30",
    "cargo build --release 2>&1 | grep -n error",
    "cargo clippy -- -D warnings",
    "go test ./...",
    "npm test",
];

#[test]
fn common_commands_run_and_attacks_ask() {
    let fx = fixture();
    let allowed: Vec<&&str> = COMMON
        .iter()
        .filter(|c| !matches!(run(&fx.root, c, &[]), Class::Ask(_)))
        .collect();
    let attacks: Vec<&(&str, &str)> = CASES
        .iter()
        .filter(|(_, w)| *w != "R" && *w != "B")
        .collect();
    let asked = attacks
        .iter()
        .filter(|(c, _)| matches!(run(&fx.root, c, &[]), Class::Ask(_)))
        .count();
    eprintln!(
        "safe commands allowed: {}/{}; attacks asked: {asked}/{}",
        allowed.len(),
        COMMON.len(),
        attacks.len()
    );
    let refused: Vec<_> = COMMON
        .iter()
        .filter(|c| matches!(run(&fx.root, c, &[]), Class::Ask(_)))
        .map(|c| format!("{c}: {:?}", run(&fx.root, c, &[])))
        .collect();
    assert!(refused.is_empty(), "{}", refused.join("\n"));
    assert_eq!(asked, attacks.len());
}
