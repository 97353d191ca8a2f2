//! `/worktree` end to end on temporary git repositories: new, list, switch,
//! back, diff, merge (clean and conflicting), remove, and `--worktree`.

mod support;
use serde_json::json;
use std::path::Path;
use std::process::Command;
use support::{wisp, Aimock, Wisp};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A project that is a git repository on `main` with one commit.
fn repo() -> Wisp {
    let w = wisp().file("a.txt", "one\n");
    let p = w.project.clone();
    git(&p, &["init", "-q", "-b", "main"]);
    git(&p, &["config", "user.name", "Test"]);
    git(&p, &["config", "user.email", "test@example.com"]);
    git(&p, &["add", "-A"]);
    git(&p, &["commit", "-q", "-m", "first"]);
    w
}

fn commit_file(dir: &Path, file: &str, content: &str, msg: &str) {
    std::fs::write(dir.join(file), content).expect("write");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", msg]);
}

fn wt_path(w: &Wisp, name: &str) -> std::path::PathBuf {
    w.home.path().join("project-worktrees").join(name)
}

#[test]
fn new_moves_the_session_and_list_switch_back_diff_report_it() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "make notes", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "write", "arguments": {"path": "notes.txt", "content": "hi\n"}}]}},
        {"match": {"userMessage": "make notes", "hasToolResult": true}, "response": {"content": "written"}}
    ]));
    let w = repo().openai(&mock);
    let w = w.stdin("/worktree new feat\nmake notes\n/worktree list\n");
    let run = w.run();
    run.success();
    let feat = wt_path(&w, "feat");
    assert!(
        feat.join("notes.txt").exists(),
        "the write landed in the worktree: {}",
        run.stdout
    );
    assert!(!w.path("notes.txt").exists(), "main checkout untouched");
    assert_eq!(git(&feat, &["branch", "--show-current"]).trim(), "feat");
    let list = run
        .stdout
        .lines()
        .find(|l| l.starts_with("feat"))
        .unwrap_or("");
    assert!(list.contains("dirty"), "{}", run.stdout);
    assert!(list.contains("0 ahead, 0 behind main"), "{}", run.stdout);

    commit_file(&feat, "notes.txt", "hi\n", "add notes");
    let w = w.stdin("/worktree back\n/worktree list\n/worktree switch feat\n/worktree diff\n");
    let run = w.run();
    run.success();
    assert!(
        run.stdout.contains("back in the main checkout"),
        "{}",
        run.stdout
    );
    let list = run
        .stdout
        .lines()
        .find(|l| l.starts_with("feat"))
        .unwrap_or("");
    assert!(
        list.contains("clean") && list.contains("1 ahead, 0 behind main"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("now in worktree `feat`"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("+hi"),
        "diff against main: {}",
        run.stdout
    );
}

#[test]
fn clean_merge_reports_the_commits_and_remove_then_works() {
    let w = repo();
    let w = w.stdin("/worktree new feat\n");
    let run = w.run();
    run.success();
    let feat = wt_path(&w, "feat");
    commit_file(&feat, "b.txt", "two\n", "add b");
    let w = w.stdin("/worktree merge feat\n/worktree remove feat\n");
    let run = w.run();
    run.success();
    assert!(
        run.stdout.contains("merged 1 commit from `feat` into main"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("add b"), "{}", run.stdout);
    assert!(w.path("b.txt").exists(), "main has the change");
    assert!(!feat.exists(), "removed: {}", run.stderr);
    assert!(git(&w.project, &["branch", "--list", "feat"])
        .trim()
        .is_empty());
}

#[test]
fn conflicting_merge_is_aborted_and_lists_the_files() {
    let w = repo();
    let w = w.stdin("/worktree new feat\n");
    w.run().success();
    let feat = wt_path(&w, "feat");
    commit_file(&feat, "a.txt", "theirs\n", "change a in feat");
    commit_file(&w.project, "a.txt", "ours\n", "change a in main");
    let head = git(&w.project, &["rev-parse", "HEAD"]);
    let w = w.stdin("/worktree merge feat\n");
    let run = w.run();
    assert!(
        run.stderr.contains("conflicts in: a.txt") && run.stderr.contains("nothing was changed"),
        "{}",
        run.stderr
    );
    assert_eq!(
        git(&w.project, &["status", "--porcelain"]),
        "",
        "main clean"
    );
    assert_eq!(git(&feat, &["status", "--porcelain"]), "", "worktree clean");
    assert_eq!(
        git(&w.project, &["rev-parse", "HEAD"]),
        head,
        "no merge commit"
    );
    assert_eq!(
        std::fs::read_to_string(w.path("a.txt")).expect("a"),
        "ours\n"
    );
}

#[test]
fn merge_refuses_dirty_trees_and_remove_refuses_unmerged_or_dirty_work() {
    let w = repo();
    let w = w.stdin("/worktree new feat\n");
    w.run().success();
    let feat = wt_path(&w, "feat");
    commit_file(&feat, "b.txt", "two\n", "add b");
    std::fs::write(w.path("a.txt"), "edited\n").expect("write");
    let w = w.stdin("/worktree merge feat\n/worktree remove feat\n");
    let run = w.run();
    assert!(
        run.stderr
            .contains("cannot merge: `main` has uncommitted changes"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("1 commit(s) not merged into main"),
        "{}",
        run.stderr
    );
    assert!(feat.exists());

    git(&w.project, &["checkout", "a.txt"]);
    std::fs::write(feat.join("c.txt"), "wip\n").expect("write");
    let w = w.stdin("/worktree remove feat\n");
    let run = w.run();
    assert!(
        run.stderr.contains("`feat` has uncommitted changes"),
        "{}",
        run.stderr
    );
    assert!(feat.join("c.txt").exists(), "nothing lost");

    let w = w.stdin("/worktree remove feat --force\n");

    let run = w.run();
    run.success();
    assert!(!feat.exists(), "{}", run.stderr);
}

#[test]
fn worktree_flag_starts_the_session_inside_it() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "make notes", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "write", "arguments": {"path": "notes.txt", "content": "hi\n"}}]}},
        {"match": {"userMessage": "make notes", "hasToolResult": true}, "response": {"content": "written"}}
    ]));
    let w = repo().openai(&mock).args(&["--worktree", "side"]);
    let w = w.stdin("make notes\n");
    w.run().success();
    let side = wt_path(&w, "side");
    assert!(side.join("notes.txt").exists());
    // Re-entering finds the same worktree rather than failing to create it.
    let w = w.stdin("/worktree list\n");
    let run = w.run();
    run.success();
    assert!(run.stdout.contains("*"), "{}", run.stdout);
    let star = run.stdout.lines().find(|l| l.ends_with('*')).unwrap_or("");
    assert!(star.starts_with("side"), "{}", run.stdout);
}

#[test]
fn squash_merge_makes_one_commit_on_the_base() {
    let w = repo();
    let w = w.stdin("/worktree new feat\n");
    w.run().success();
    let feat = wt_path(&w, "feat");
    commit_file(&feat, "b.txt", "two\n", "add b");
    commit_file(&feat, "c.txt", "three\n", "add c");
    let w = w.stdin("/worktree merge feat --squash\n/worktree remove feat\n");
    let run = w.run();
    run.success();
    assert!(
        run.stdout
            .contains("merged 2 commits from `feat` into main (squashed)"),
        "{}",
        run.stdout
    );
    assert_eq!(
        git(&w.project, &["rev-list", "--count", "HEAD"]).trim(),
        "2"
    );
    assert!(w.path("b.txt").exists() && w.path("c.txt").exists());
    assert_eq!(git(&w.project, &["status", "--porcelain"]), "");
    assert!(
        !feat.exists(),
        "squashed work counts as merged: {}",
        run.stderr
    );
}
