//! Works through the plan: for each unchecked item, a turn on it, the tests,
//! failures fed back for a few attempts, then the item checked off (and
//! optionally committed). The front end supplies the sink, the approver and
//! the pause between items, so `/plan run` and `wisp loop` share this code.

use super::{items, mark_done, run_tests, TestRun};
use crate::agent::turn::TurnEnd;
use crate::agent::{Agent, Approver, EventSink};
use futures_util::future::LocalBoxFuture;
use std::path::{Path, PathBuf};

/// How `/plan run` / `wisp loop` behaves.
pub struct Options {
    /// At most this many items this run.
    pub max: Option<usize>,
    /// No pause between items.
    pub auto: bool,
    /// Commit after each finished item, with the item as the message.
    pub commit: bool,
    /// The test command (already resolved).
    pub test: String,
    /// Turns per item before the loop gives up on it.
    pub attempts: u32,
    pub max_steps: u32,
}

/// What the user said between two items.
pub enum Between {
    Continue,
    Steer(String),
    Stop,
}

/// The front end's side of the loop.
pub trait LoopUi {
    /// Where the agent's events go.
    fn sink(&mut self) -> &mut dyn EventSink;
    /// One line about the loop's progress.
    fn note(&mut self, msg: &str);
    /// Marks a turn or a test run as running, so Ctrl-C cancels it.
    fn busy(&mut self, on: bool);
    fn between(&mut self) -> LocalBoxFuture<'_, Between>;
}

/// How the loop ended.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Every item of the plan is checked.
    AllDone { done: usize },
    /// Stopped before the end (limit, user, Ctrl-C); `/plan run` resumes.
    Paused {
        done: usize,
        left: usize,
        why: String,
    },
    /// An item's tests still fail, or the model call failed.
    Failed { item: String, why: String },
}

/// The plan file of the session, resolved against its working directory.
pub fn plan_path(agent: &Agent) -> PathBuf {
    crate::tools::resolve_path(&agent.ctx.cwd, &agent.ctx.plan_file.to_string_lossy())
}

fn item_prompt(n: usize, total: usize, text: &str, plan: &Path, test: &str) -> String {
    format!(
        "Plan item {n} of {total} (from {}): {text}\n\n\
         Do this item only, then stop and say in one line what you changed. \
         The tests (`{test}`) run when you finish; wisp checks the item off when they pass.",
        plan.display()
    )
}

fn failure_prompt(text: &str, test: &str, run: &TestRun, attempt: u32, of: u32) -> String {
    format!(
        "The tests failed after your work on plan item: {text}\n\n\
         `{test}` said:\n```\n{}\n```\n\
         Fix the cause (attempt {attempt} of {of}), then stop.",
        run.output.trim_end()
    )
}

/// Runs the loop until the plan is done, a limit is hit, or something fails.
pub async fn run(
    agent: &mut Agent,
    ui: &mut dyn LoopUi,
    approver: &mut dyn Approver,
    opts: &Options,
) -> Outcome {
    let path = plan_path(agent);
    let mut done = 0;
    let mut steer: Option<String> = None;
    loop {
        let text = match tokio::fs::read_to_string(&path).await {
            Ok(t) => t,
            Err(e) => {
                let why = if e.kind() == std::io::ErrorKind::NotFound {
                    format!(
                        "{} does not exist: write one with /plan, or name it with --plan FILE",
                        path.display()
                    )
                } else {
                    format!("cannot read {}: {e}", path.display())
                };
                return Outcome::Failed {
                    item: String::new(),
                    why,
                };
            }
        };
        let list = items(&text);
        let left = list.iter().filter(|i| !i.done).count();
        let Some(idx) = list.iter().position(|i| !i.done) else {
            if list.is_empty() {
                return Outcome::Failed {
                    item: String::new(),
                    why: format!("{} has no checklist items", path.display()),
                };
            }
            return Outcome::AllDone { done };
        };
        if opts.max.is_some_and(|m| done >= m) {
            return Outcome::Paused {
                done,
                left,
                why: "item limit reached".into(),
            };
        }
        let item = list[idx].text.clone();
        ui.note(&format!("item {}/{}: {item}", idx + 1, list.len()));
        let mut prompt = item_prompt(idx + 1, list.len(), &item, &path, &opts.test);
        if let Some(s) = steer.take() {
            prompt.push_str(&format!("\n\nThe user adds: {s}"));
        }
        let mut passed_on = None;
        for attempt in 1..=opts.attempts {
            agent.push_user(&prompt);
            agent.ctx.cancel.reset();
            ui.busy(true);
            let (end, _) = agent.turn(ui.sink(), approver, opts.max_steps, None).await;
            ui.busy(false);
            match end {
                TurnEnd::Done(_) | TurnEnd::MaxSteps(_) => {}
                TurnEnd::Cancelled | TurnEnd::Stopped => {
                    return Outcome::Paused {
                        done,
                        left,
                        why: "stopped by the user".into(),
                    }
                }
                TurnEnd::Error(e) => return Outcome::Failed { item, why: e },
            }
            ui.note(&format!("tests: {}", opts.test));
            ui.busy(true);
            let res = run_tests(&opts.test, agent).await;
            ui.busy(false);
            let run = match res {
                Ok(r) => r,
                Err(e) if e == "cancelled" => {
                    return Outcome::Paused {
                        done,
                        left,
                        why: "stopped by the user".into(),
                    }
                }
                Err(e) => return Outcome::Failed { item, why: e },
            };
            if run.passed {
                ui.note("tests passed");
                passed_on = Some(attempt);
                break;
            }
            // bash ends with its exit line; the line before it is usually the reason.
            let last = run
                .output
                .trim_end()
                .lines()
                .rev()
                .find(|l| !l.starts_with('[') && !l.starts_with("exit code:"))
                .unwrap_or("")
                .to_string();
            ui.note(&format!(
                "tests failed (attempt {attempt} of {}): {last}",
                opts.attempts
            ));
            prompt = failure_prompt(&item, &opts.test, &run, attempt, opts.attempts);
        }
        let Some(attempt) = passed_on else {
            return Outcome::Failed {
                item,
                why: format!("tests still fail after {} attempts", opts.attempts),
            };
        };
        let note = if attempt == 1 {
            "tests pass".to_string()
        } else {
            format!("tests pass after {attempt} attempts")
        };
        if let Err(e) = check_off(&path, &item, idx, &note).await {
            return Outcome::Failed { item, why: e };
        }
        ui.note(&format!("done: {item}"));
        done += 1;
        if opts.commit {
            match commit(&agent.ctx.cwd, &item).await {
                Ok(msg) => ui.note(&msg),
                Err(e) => return Outcome::Failed { item, why: e },
            }
        }
        if left > 1 && !opts.auto && opts.max.is_none_or(|m| done < m) {
            match ui.between().await {
                Between::Continue => {}
                Between::Steer(s) => steer = Some(s),
                Between::Stop => {
                    return Outcome::Paused {
                        done,
                        left: left - 1,
                        why: "stopped by the user".into(),
                    }
                }
            }
        }
    }
}

/// Checks the item off in the file as it is now (the model may have edited it).
async fn check_off(path: &Path, item: &str, idx: usize, note: &str) -> Result<(), String> {
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let list = items(&text);
    let at = list
        .iter()
        .position(|i| i.text == item)
        .or_else(|| list.get(idx).filter(|i| !i.done).map(|_| idx));
    let Some(at) = at else {
        return Ok(());
    };
    if list[at].done && list[at].note.is_some() {
        return Ok(());
    }
    tokio::fs::write(path, mark_done(&text, at, note))
        .await
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

async fn commit(dir: &Path, item: &str) -> Result<String, String> {
    use crate::worktree::git;
    git(dir, &["add", "-A"]).await?;
    if git(dir, &["diff", "--cached", "--quiet"]).await.is_ok() {
        return Ok("nothing to commit".into());
    }
    git(dir, &["commit", "-q", "-m", item]).await?;
    let sha = git(dir, &["rev-parse", "--short", "HEAD"]).await?;
    Ok(format!("committed {}: {item}", sha.trim()))
}
