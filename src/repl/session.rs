//! The REPL's session commands: /sessions, /resume, /new, /rename, /undo,
//! /diff, /init, /context and /compact.

use super::Repl;
use crate::render;
use crate::session::{self, list, resume, Session};

/// Runs one of the session commands.
pub async fn run(repl: &mut Repl, name: &str, args: &str) {
    match name {
        "sessions" => sessions(repl).await,
        "resume" => resume_cmd(repl, args).await,
        "new" | "clear" => fresh(repl).await,
        "rename" if args.is_empty() => repl.error("/rename needs a name"),
        "rename" => {
            if let Some(s) = &mut repl.agent.session {
                s.rename(args);
            }
            repl.agent.save().await;
            render::println(&format!("session renamed: {args}"));
        }
        "undo" => undo(repl, args).await,
        "diff" => diff(repl).await,
        "init" => {
            repl.run_turn(session::instructions::INIT_PROMPT).await;
        }
        "context" => super::context::show(repl),
        "compact" => super::context::compact(repl, args).await,
        _ => {}
    }
}

async fn sessions(repl: &mut Repl) {
    let entries = list::for_dir(&repl.agent.ctx.cwd).await;
    if entries.is_empty() {
        render::println("no saved sessions in this directory");
        return;
    }
    let current = repl.agent.session.as_ref().map(|s| s.header.id.clone());
    for (i, e) in entries.iter().enumerate().take(20) {
        let mark = if Some(&e.loaded.header.id) == current.as_ref() {
            " (current)"
        } else {
            ""
        };
        let line = format!("{:>2}. {}{mark}", i + 1, e.line());
        render::println(&render::safe::line(&line));
    }
    render::println("/resume N or /resume ID continues one");
}

async fn resume_cmd(repl: &mut Repl, args: &str) {
    if args.is_empty() {
        return sessions(repl).await;
    }
    let cwd = repl.agent.ctx.cwd.clone();
    let picked = if list::is_id(args) {
        list::by_id(&cwd, args).await
    } else {
        list::pick(list::for_dir(&cwd).await, args)
    };
    let l = match picked {
        Ok(l) => l,
        Err(e) => return repl.error(&e),
    };
    repl.agent.save().await;
    // Keep the session's provider and model when they can be used here.
    if let Some(p) = crate::provider::ProviderId::parse(&l.header.provider) {
        let mut s = repl.settings.clone();
        s.select(p, Some(l.header.model.clone()));
        match crate::provider::build(&s) {
            Ok(provider) => {
                repl.agent.provider = provider.into();
                repl.agent.model = s.model.clone();
                repl.settings = s;
            }
            Err(e) => repl.error(&format!(
                "keeping {} {}: {e}",
                repl.agent.provider.id().as_str(),
                repl.agent.model
            )),
        }
    }
    let (id, moved) = (l.header.id.clone(), l.moved.clone());
    let home = l.header.cwd.clone();
    for line in resume::attach(&mut repl.agent, l) {
        render::println(&render::safe::line(&line));
    }
    // Back into the worktree the session had moved to.
    let dir = moved.unwrap_or(home);
    if dir.is_dir() {
        crate::worktree::enter(&mut repl.agent, &dir);
        repl.renderer.cwd = dir;
    }
    render::println(&format!(
        "resumed {id} · {} {}",
        repl.agent.provider.id().as_str(),
        repl.agent.model
    ));
}

async fn fresh(repl: &mut Repl) {
    repl.agent.save().await;
    repl.hooked(super::Moment::End("clear")).await;
    let stopped = crate::tools::jobs::stop_all();
    if stopped > 0 {
        render::println(&format!("stopped {stopped} background command(s)"));
    }
    repl.agent.conv.messages.clear();
    let a = &repl.agent;
    let s = Session::new(&a.ctx.cwd, a.provider.id().as_str(), &a.model);
    repl.agent.set_session(s);
    render::println("new conversation");
    repl.hooked(super::Moment::Start("clear")).await;
}

async fn undo(repl: &mut Repl, args: &str) {
    let mut force = false;
    let mut n = 1;
    for word in args.split_whitespace() {
        match word {
            "--force" | "-f" => force = true,
            w => match w.parse::<usize>() {
                Ok(k) if k > 0 => n = k,
                _ => return repl.error("/undo takes a number of turns and --force, e.g. /undo 2"),
            },
        }
    }
    let Some(s) = &mut repl.agent.session else {
        return;
    };
    let r = s.undo(n, force).await;
    let cwd = repl.agent.ctx.cwd.clone();
    // File names are the model's choice.
    let show = |p: &std::path::Path| {
        let shown = p.strip_prefix(&cwd).unwrap_or(p).display().to_string();
        render::safe::line(&shown).into_owned()
    };
    if r.turns == 0 {
        render::println("nothing to undo: no file was changed by write or edit");
    }
    let mut done = Vec::new();
    for p in &r.restored {
        render::println(&format!("restored {}", show(p)));
        done.push(format!("restored {}", show(p)));
    }
    for p in &r.removed {
        render::println(&format!("removed {} (it was new)", show(p)));
        done.push(format!("removed {}", show(p)));
    }
    for p in &r.skipped {
        repl.error(&format!(
            "not restored: {} was changed since wisp edited it; /undo --force restores it anyway",
            show(p)
        ));
    }
    for (p, e) in &r.failed {
        repl.error(&format!("could not restore {}: {e}", show(p)));
    }
    render::println("note: changes made by bash commands cannot be undone");
    // The model must not go on believing its edits are still there.
    if !done.is_empty() {
        repl.pending.push(format!(
            "I ran /undo, which took back your file edits: {}. Those files are as they were before the edits.",
            done.join(", ")
        ));
    }
}

async fn diff(repl: &mut Repl) {
    let Some(s) = &repl.agent.session else {
        return;
    };
    let changes = s.undo.changes().await;
    if changes.is_empty() {
        render::println("no files changed by write or edit in this session");
        return;
    }
    let cwd = repl.agent.ctx.cwd.clone();
    for (path, before, now) in changes {
        let shown = path
            .strip_prefix(&cwd)
            .unwrap_or(&path)
            .display()
            .to_string();
        match now {
            Some(now) => render::println(&render::style::diff(
                before.as_deref(),
                &now,
                &shown,
                repl.renderer.styled,
            )),
            None => render::println(&format!("{}: deleted", render::safe::line(&shown))),
        }
    }
}
