//! `/mcp`: the servers at a glance, their tools, and changes to the user's
//! `mcp.json` (add, remove, enable, disable) that take effect at once.

use super::config::{self, ServerConfig};
use super::{tool_name, Manager, Status};
use crate::agent::Agent;
use crate::render;
use serde_json::{json, Value};

pub const USAGE: &str = "usage: /mcp [tools NAME | restart NAME | add NAME -- CMD ARGS... | add NAME URL | remove NAME | enable NAME | disable NAME | login NAME | logout NAME]";

fn status_text(name: &str, s: &Status) -> String {
    match s {
        Status::Starting => "starting".into(),
        Status::Ready => "ready".into(),
        Status::Failed(why) => format!("failed: {why}"),
        Status::Disabled => "disabled".into(),
        Status::NeedsLogin => format!("needs login (/mcp login {name})"),
    }
}

/// One line per server.
pub fn list(mgr: &Manager) {
    let rows = mgr.overview();
    if rows.is_empty() {
        render::println(&format!(
            "no MCP servers; add one with /mcp add NAME -- CMD ARGS... or in {}",
            config::user_path().display()
        ));
        return;
    }
    let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    for (name, status, transport, tools, version) in rows {
        let mut line = format!("{name:w$}  {transport:5}  ");
        if status == Status::Ready {
            let v = if version.is_empty() {
                String::new()
            } else {
                format!(", MCP {version}")
            };
            line.push_str(&format!("ready, {tools} tools{v}"));
        } else {
            line.push_str(&status_text(&name, &status));
        }
        render::println(&line);
    }
    for clash in mgr.clash_report() {
        render::println(&clash);
    }
}

/// Runs `/mcp ARGS`.
pub async fn run(agent: &mut Agent, args: &str) -> Result<(), String> {
    let Some(mgr) = agent.mcp.clone() else {
        return Err("MCP is not available in this session".into());
    };
    let words = shlex::split(args).ok_or("unbalanced quotes")?;
    let word = |i: usize| words.get(i).map(String::as_str);
    match (word(0), word(1)) {
        (None | Some("list"), _) => list(&mgr),
        (Some("tools"), Some(name)) => {
            mgr.settle(name).await;
            let (status, tools) = mgr.tools_of(name)?;
            if tools.is_empty() {
                render::println(&format!(
                    "{name}: no tools ({})",
                    status_text(name, &status)
                ));
            }
            let named: Vec<(String, String)> = tools
                .iter()
                .map(|t| {
                    let first = t.description.lines().next().unwrap_or("").to_string();
                    let n = tool_name(name, &t.name);
                    (
                        render::safe::line(&n).into_owned(),
                        render::safe::line(&first).into_owned(),
                    )
                })
                .collect();
            let w = named.iter().map(|r| r.0.len()).max().unwrap_or(0);
            for (n, d) in named {
                render::println(&format!("{n:w$}  {d}"));
            }
            let ours = format!(" of `{name}`");
            for clash in mgr.clash_report().iter().filter(|c| c.contains(&ours)) {
                render::println(clash);
            }
            // The server's prompts, runnable as slash commands.
            let prefix = tool_name(name, "");
            for (cmd, usage, d) in mgr.prompt_commands() {
                if cmd.starts_with(&prefix) {
                    let first = d.lines().next().unwrap_or("");
                    let line = format!("/{cmd} {usage}  {first}");
                    render::println(&render::safe::line(&line));
                }
            }
        }
        (Some("login"), Some(name)) => {
            let say = |l: &str| render::println(l);
            tokio::select! {
                r = mgr.login(name, &say) => r?,
                _ = agent.ctx.cancel.cancelled() => return Err("sign-in cancelled".into()),
            }
            render::println(&format!("signed in to `{name}`"));
            mgr.restart(name)?;
            mgr.settle(name).await;
            show_one(&mgr, name);
        }
        (Some("logout"), Some(name)) => {
            mgr.tools_of(name)?;
            if super::oauth::forget(name).await {
                render::println(&format!("signed out of `{name}`: its tokens are deleted"));
            } else {
                render::println(&format!("`{name}` had no stored sign-in"));
            }
            mgr.logged_out(name)?;
            show_one(&mgr, name);
        }
        (Some("restart"), Some(name)) => {
            mgr.restart(name)?;
            mgr.settle(name).await;
            show_one(&mgr, name);
        }
        (Some("add"), Some(name)) => add(&mgr, name, &words[2..]).await?,
        (Some("remove"), Some(name)) => {
            let n = name.to_string();
            config::edit_user(move |servers| match servers.remove(&n) {
                Some(_) => Ok(()),
                None => Err(format!("`{n}` is not in {}", config::user_path().display())),
            })
            .await?;
            mgr.remove(name);
            render::println(&format!("removed `{name}`"));
        }
        (Some(verb @ ("enable" | "disable")), Some(name)) => {
            if mgr.is_project(name) {
                return Err(format!(
                    "`{name}` is defined in the project's .mcp.json; edit that file"
                ));
            }
            let disable = verb == "disable";
            let n = name.to_string();
            config::edit_user(move |servers| {
                let Some(Value::Object(entry)) = servers.get_mut(&n) else {
                    return Err(format!("`{n}` is not in {}", config::user_path().display()));
                };
                if disable {
                    entry.insert("disabled".into(), json!(true));
                } else {
                    entry.remove("disabled");
                }
                Ok(())
            })
            .await?;
            if disable {
                mgr.disable(name)?;
            } else {
                mgr.restart(name)?;
                mgr.settle(name).await;
            }
            show_one(&mgr, name);
        }
        _ => return Err(USAGE.into()),
    }
    // The tool list the model sees follows at once.
    // Its reports are dropped: the lines above already show each state.
    let _ = mgr.sync(&mut agent.tools, &agent.ctx.cancel).await;
    Ok(())
}

fn show_one(mgr: &Manager, name: &str) {
    if let Some((n, status, transport, tools, _)) = mgr.overview().into_iter().find(|r| r.0 == name)
    {
        let s = match status {
            Status::Ready => format!("ready, {tools} tools"),
            other => status_text(&n, &other),
        };
        render::println(&format!("{n}  {transport}  {s}"));
    }
}

/// `/mcp add NAME -- CMD ARGS...` or `/mcp add NAME URL`.
async fn add(mgr: &Manager, name: &str, rest: &[String]) -> Result<(), String> {
    let entry = match rest {
        [dashes, cmd, args @ ..] if dashes == "--" => {
            json!({"command": cmd, "args": args})
        }
        [url] if url.starts_with("http://") || url.starts_with("https://") => {
            json!({"type": "http", "url": url})
        }
        _ => return Err(USAGE.into()),
    };
    let cfg: ServerConfig = config::parse_server(name, &entry, false)?;
    let n = name.to_string();
    config::edit_user(move |servers| {
        servers.insert(n, entry);
        Ok(())
    })
    .await?;
    mgr.insert(cfg);
    mgr.settle(name).await;
    show_one(mgr, name);
    Ok(())
}
