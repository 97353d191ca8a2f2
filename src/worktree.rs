//! Git worktrees for `/worktree` and `--worktree`: isolated branches in
//! sibling folders that the session can move into, and merges done by code.
//!
//! Git always runs through `tokio::process` with an explicit directory; the
//! process's own working directory never changes. Each worktree's base branch
//! is recorded in `git config branch.NAME.wispBase`, so ahead/behind, diff and
//! merge know what it was branched from.

use crate::agent::Agent;
use crate::permissions::workspace;
use std::path::{Path, PathBuf};

/// Runs git in `dir`; Ok(stdout) on success, Err(one-line message) otherwise.
pub async fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = tokio::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let msg = err
            .lines()
            .map(|l| l.trim_start_matches("fatal: ").trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        Err(format!(
            "git {}: {msg}",
            args.first().copied().unwrap_or("")
        ))
    }
}

/// One checkout of the repository, as `git worktree list` reports it.
#[derive(Debug, Clone)]
pub struct Tree {
    pub path: PathBuf,
    /// The branch checked out, without `refs/heads/`; None when detached.
    pub branch: Option<String>,
    pub main: bool,
}

/// Every checkout of the repository containing `cwd`, the main one first.
pub async fn trees(cwd: &Path) -> Result<Vec<Tree>, String> {
    let out = git(cwd, &["worktree", "list", "--porcelain"]).await?;
    let mut v: Vec<Tree> = Vec::new();
    for line in out.lines() {
        if let Some(p) = line.strip_prefix("worktree ") {
            let main = v.is_empty();
            v.push(Tree {
                path: PathBuf::from(p),
                branch: None,
                main,
            });
        } else if let (Some(b), Some(t)) = (line.strip_prefix("branch "), v.last_mut()) {
            t.branch = Some(b.trim_start_matches("refs/heads/").to_string());
        }
    }
    if v.is_empty() {
        return Err("not in a git repository".into());
    }
    Ok(v)
}

async fn base_of(dir: &Path, name: &str) -> Option<String> {
    let key = format!("branch.{name}.wispBase");
    git(dir, &["config", "--get", &key])
        .await
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

async fn is_dirty(dir: &Path) -> Result<bool, String> {
    Ok(!git(dir, &["status", "--porcelain"])
        .await?
        .trim()
        .is_empty())
}

/// Commits on `b` not on `a`, oldest first, as `sha subject` lines.
async fn commits_between(dir: &Path, a: &str, b: &str) -> Result<Vec<String>, String> {
    let range = format!("{a}..{b}");
    let out = git(dir, &["log", "--reverse", "--format=%h %s", &range]).await?;
    Ok(out.lines().map(str::to_string).collect())
}

/// The checkout holding `dir` (the deepest tree path that contains it).
fn tree_of<'a>(all: &'a [Tree], dir: &Path) -> Option<&'a Tree> {
    let dir = workspace::canonical(dir);
    all.iter()
        .filter(|t| dir.starts_with(workspace::canonical(&t.path)))
        .max_by_key(|t| t.path.as_os_str().len())
}

fn find<'a>(all: &'a [Tree], name: &str) -> Result<&'a Tree, String> {
    all.iter()
        .find(|t| !t.main && t.branch.as_deref() == Some(name))
        .ok_or_else(|| format!("no worktree named `{name}` (see /worktree list)"))
}

/// Moves the session into `dir`: tools, permissions and the system prompt follow.
pub fn enter(agent: &mut Agent, dir: &Path) {
    agent.ctx.cwd = dir.to_path_buf();
    agent.policy.root = workspace::canonical(dir);
    agent.rebuild_system();
}

/// Where a new worktree goes: `worktree_dir/NAME`, or `<repo>-worktrees/NAME` beside the repo.
fn place(main: &Path, configured: Option<&str>, name: &str) -> PathBuf {
    match configured {
        Some(d) if !d.trim().is_empty() => {
            let d = match d.strip_prefix("~/") {
                Some(rest) => crate::paths::home().join(rest),
                None => PathBuf::from(d),
            };
            let d = if d.is_relative() { main.join(d) } else { d };
            d.join(name)
        }
        _ => {
            let repo = main
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "repo".into());
            main.parent()
                .unwrap_or(main)
                .join(format!("{repo}-worktrees"))
                .join(name)
        }
    }
}

/// `/worktree new NAME [BASE]`: creates the branch and folder; returns its path.
pub async fn create(
    cwd: &Path,
    name: &str,
    base: Option<&str>,
    dir: Option<&str>,
) -> Result<PathBuf, String> {
    if name.is_empty() || name.starts_with('-') || name.contains(char::is_whitespace) {
        return Err(format!("`{name}` is not a usable worktree name"));
    }
    let all = trees(cwd).await?;
    let main = all[0].path.clone();
    let base = match base {
        Some(b) => b.to_string(),
        None => git(cwd, &["rev-parse", "--abbrev-ref", "HEAD"])
            .await?
            .trim()
            .to_string(),
    };
    let path = place(&main, dir, name);
    let p = path.to_string_lossy();
    git(cwd, &["worktree", "add", "-b", name, &p, &base]).await?;
    let key = format!("branch.{name}.wispBase");
    git(cwd, &["config", &key, &base]).await?;
    Ok(path)
}

/// `--worktree NAME`: re-enters an existing worktree or creates it from HEAD.
pub async fn open(cwd: &Path, name: &str, dir: Option<&str>) -> Result<PathBuf, String> {
    let all = trees(cwd).await?;
    match find(&all, name) {
        Ok(t) => Ok(t.path.clone()),
        Err(_) => create(cwd, name, None, dir).await,
    }
}

/// `/worktree list`: one line per worktree.
pub async fn list(cwd: &Path) -> Result<Vec<String>, String> {
    let all = trees(cwd).await?;
    let here = tree_of(&all, cwd).map(|t| t.path.clone());
    let mut rows = Vec::new();
    for t in &all {
        let branch = t.branch.clone().unwrap_or_else(|| "(detached)".into());
        let state = if is_dirty(&t.path).await? {
            "dirty"
        } else {
            "clean"
        };
        let name = if t.main { "(main)" } else { branch.as_str() };
        let mut row = format!("{name}  {branch}  {}  {state}", t.path.display());
        if let (false, Some(b)) = (t.main, base_of(&t.path, &branch).await) {
            let range = format!("{b}...{branch}");
            let counts = git(&t.path, &["rev-list", "--left-right", "--count", &range]).await?;
            let mut n = counts.split_whitespace();
            let behind = n.next().unwrap_or("0");
            let ahead = n.next().unwrap_or("0");
            row.push_str(&format!("  {ahead} ahead, {behind} behind {b}"));
        }
        if here.as_deref() == Some(t.path.as_path()) {
            row.push_str("  *");
        }
        rows.push(row);
    }
    Ok(rows)
}

/// The path of worktree `name`, for `/worktree switch`.
pub async fn path_of(cwd: &Path, name: &str) -> Result<PathBuf, String> {
    let all = trees(cwd).await?;
    find(&all, name).map(|t| t.path.clone())
}

/// The main checkout, for `/worktree back`.
pub async fn main_path(cwd: &Path) -> Result<PathBuf, String> {
    Ok(trees(cwd).await?[0].path.clone())
}

/// The worktree meant by an optional NAME: the named one or the one the session is in.
async fn target(cwd: &Path, name: Option<&str>) -> Result<(Tree, String, Vec<Tree>), String> {
    let all = trees(cwd).await?;
    let t = match name {
        Some(n) => find(&all, n)?.clone(),
        None => match tree_of(&all, cwd) {
            Some(t) if !t.main => t.clone(),
            _ => return Err("name a worktree (the session is in the main checkout)".into()),
        },
    };
    let branch = t.branch.clone().ok_or("that worktree has no branch")?;
    let base = base_of(&t.path, &branch)
        .await
        .ok_or_else(|| format!("`{branch}` has no recorded base (not made by /worktree new)"))?;
    Ok((t, base, all))
}

/// `/worktree diff [NAME]`: the worktree's changes since it left its base, uncommitted included.
pub async fn diff(cwd: &Path, name: Option<&str>) -> Result<String, String> {
    let (t, base, _) = target(cwd, name).await?;
    let fork = git(&t.path, &["merge-base", &base, "HEAD"]).await?;
    let out = git(&t.path, &["diff", "--stat", "-p", fork.trim()]).await?;
    Ok(if out.trim().is_empty() {
        format!("no changes against {base}")
    } else {
        out
    })
}

/// `/worktree merge [NAME] [--squash]`: merges the branch into its base's checkout.
pub async fn merge(cwd: &Path, name: Option<&str>, squash: bool) -> Result<String, String> {
    let (t, base, all) = target(cwd, name).await?;
    let branch = t.branch.clone().unwrap_or_default();
    let into = all
        .iter()
        .find(|x| x.branch.as_deref() == Some(base.as_str()))
        .ok_or_else(|| format!("cannot merge: `{base}` is not checked out in any worktree"))?;
    for (label, dir) in [(branch.as_str(), &t.path), (base.as_str(), &into.path)] {
        if is_dirty(dir).await? {
            return Err(format!(
                "cannot merge: `{label}` has uncommitted changes in {}; commit or stash them first",
                dir.display()
            ));
        }
    }
    let commits = commits_between(&into.path, &base, &branch).await?;
    if commits.is_empty() {
        return Ok(format!(
            "nothing to merge: `{branch}` has no commits beyond {base}"
        ));
    }
    let res = if squash {
        git(&into.path, &["merge", "--squash", &branch]).await
    } else {
        git(&into.path, &["merge", "--no-ff", "--no-edit", &branch]).await
    };
    if res.is_err() {
        let conflicted = git(&into.path, &["diff", "--name-only", "--diff-filter=U"])
            .await
            .unwrap_or_default();
        // `reset --merge` also undoes a squash merge, which leaves no MERGE_HEAD for `merge --abort`.
        let undo: &[&str] = if squash {
            &["reset", "--merge"]
        } else {
            &["merge", "--abort"]
        };
        git(&into.path, undo).await?;
        let files: Vec<&str> = conflicted.lines().collect();
        return Err(format!(
            "merge of `{branch}` into {base} stopped on conflicts in: {}; nothing was changed",
            if files.is_empty() {
                "(unknown files)".to_string()
            } else {
                files.join(", ")
            }
        ));
    }
    if squash {
        let msg = format!("Squashed `{branch}`\n\n{}", commits.join("\n"));
        git(&into.path, &["commit", "-q", "-m", &msg]).await?;
        // The squashed commits never become reachable from the base, so remember
        // the tip that was merged for `remove` to know the work is not lost.
        let tip = git(&into.path, &["rev-parse", &branch]).await?;
        let key = format!("branch.{branch}.wispSquashed");
        git(&into.path, &["config", &key, tip.trim()]).await?;
    }
    Ok(format!(
        "merged {} commit{} from `{branch}` into {base}{}:\n{}",
        commits.len(),
        if commits.len() == 1 { "" } else { "s" },
        if squash { " (squashed)" } else { "" },
        commits.join("\n")
    ))
}

/// `/worktree remove NAME [--force]`: refuses unmerged or dirty work unless forced.
pub async fn remove(cwd: &Path, name: &str, force: bool) -> Result<String, String> {
    let (t, base, all) = target(cwd, Some(name)).await?;
    if !force {
        if is_dirty(&t.path).await? {
            return Err(format!(
                "`{name}` has uncommitted changes; commit them or use --force to discard"
            ));
        }
        let unmerged = commits_between(&all[0].path, &base, name).await?;
        let key = format!("branch.{name}.wispSquashed");
        let squashed = git(&t.path, &["config", "--get", &key]).await.ok();
        let tip = git(&t.path, &["rev-parse", "HEAD"]).await?;
        if !unmerged.is_empty() && squashed.as_deref().map(str::trim) != Some(tip.trim()) {
            return Err(format!(
                "`{name}` has {} commit(s) not merged into {base}; merge them or use --force",
                unmerged.len()
            ));
        }
    }
    let p = t.path.to_string_lossy().into_owned();
    let main = all[0].path.clone();
    let mut args = vec!["worktree", "remove"];
    if force {
        args.push("--force");
    }
    args.push(&p);
    git(&main, &args).await?;
    // Unmerged work was refused above, so -D only skips git's check against HEAD.
    git(&main, &["branch", "-D", name]).await?;
    Ok(format!("removed worktree `{name}` ({p})"))
}

/// `/worktree ...` in the REPL.
pub async fn command(repl: &mut crate::repl::Repl, args: &str) {
    let words: Vec<&str> = args.split_whitespace().collect();
    let cwd = repl.agent.ctx.cwd.clone();
    let flag = |f: &str| words.contains(&f);
    let plain: Vec<&str> = words
        .iter()
        .skip(1)
        .copied()
        .filter(|w| !w.starts_with("--"))
        .collect();
    let res: Result<String, String> = match words.first().copied().unwrap_or("list") {
        "new" => match plain.first() {
            None => Err("usage: /worktree new NAME [BASE]".into()),
            Some(name) => {
                let dir = repl.settings.worktree_dir.clone();
                match create(&cwd, name, plain.get(1).copied(), dir.as_deref()).await {
                    Ok(p) => {
                        move_to(repl, &p);
                        Ok(format!(
                            "created worktree `{name}` at {}; the session is now there",
                            p.display()
                        ))
                    }
                    Err(e) => Err(e),
                }
            }
        },
        "list" => list(&cwd).await.map(|rows| rows.join("\n")),
        "switch" => match plain.first() {
            None => Err("usage: /worktree switch NAME".into()),
            Some(name) => path_of(&cwd, name).await.map(|p| {
                move_to(repl, &p);
                format!("now in worktree `{name}` ({})", p.display())
            }),
        },
        "back" => main_path(&cwd).await.map(|p| {
            move_to(repl, &p);
            format!("back in the main checkout ({})", p.display())
        }),
        "diff" => diff(&cwd, plain.first().copied()).await,
        "merge" => merge(&cwd, plain.first().copied(), flag("--squash")).await,
        "remove" => match plain.first() {
            None => Err("usage: /worktree remove NAME [--force]".into()),
            Some(name) => {
                let inside = match path_of(&cwd, name).await {
                    Ok(p) => workspace::canonical(&cwd).starts_with(workspace::canonical(&p)),
                    Err(_) => false,
                };
                let main = main_path(&cwd).await;
                let res = remove(&cwd, name, flag("--force")).await;
                // A session inside the removed worktree goes back to the main checkout.
                if let (true, Ok(_), Ok(m)) = (inside, &res, &main) {
                    move_to(repl, m);
                }
                res
            }
        },
        other => Err(format!(
            "unknown /worktree action `{other}` (new, list, switch, back, diff, merge, remove)"
        )),
    };
    match res {
        // Branch names and diffs come from the repository.
        Ok(text) => crate::render::println(&crate::render::safe::text(text.trim_end())),
        Err(e) => repl.error(&e),
    }
}

fn move_to(repl: &mut crate::repl::Repl, dir: &Path) {
    enter(&mut repl.agent, dir);
    if let Some(s) = &mut repl.agent.session {
        s.note_cwd(dir);
    }
    repl.renderer.cwd = dir.to_path_buf();
}
