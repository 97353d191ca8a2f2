//! Resuming a saved session: choosing it (`-c`, `-r [ID]`, `/resume`),
//! keeping its provider and model unless flags say otherwise, and putting
//! its history back into the agent.

use super::list::{self, Entry};
use super::{Loaded, Session};
use crate::agent::conversation::{Block, Message, Role};
use crate::agent::Agent;
use crate::cli::Cli;
use crate::config::Settings;
use crate::provider::ProviderId;
use std::path::Path;

/// The session the flags ask for, if any.
pub async fn choose(cli: &Cli, cwd: &Path) -> Result<Option<Loaded>, String> {
    if let Some(Some(id)) = &cli.resume {
        return list::by_id(cwd, id).await.map(Some);
    }
    if !cli.continue_session && cli.resume.is_none() {
        return Ok(None);
    }
    let entries = list::for_dir(cwd).await;
    if entries.is_empty() {
        return Err(format!("no saved session in {}", cwd.display()));
    }
    if cli.continue_session {
        return Ok(entries.into_iter().next().map(|e| e.loaded));
    }
    // `-p` answers and exits: a picker would read the prompt as its answer.
    if cli.print {
        return Err("-r needs a session id or name with -p (wisp -r alone lists them)".into());
    }
    // Titles come from saved files: shown with their control characters escaped.
    print_list(&entries, |l| {
        crate::render::eprintln(&crate::render::safe::line(l))
    });
    crate::render::eprintln("resume which? (number, name or id): ");
    let line = tokio::task::spawn_blocking(|| {
        let mut s = String::new();
        std::io::stdin().read_line(&mut s).map(|_| s)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("reading stdin: {e}"))?;
    list::pick(entries, &line).map(Some)
}

/// Prints a numbered list of sessions, newest first.
pub fn print_list(entries: &[Entry], out: fn(&str)) {
    for (i, e) in entries.iter().enumerate().take(20) {
        out(&format!("{:>2}. {}", i + 1, e.line()));
    }
}

/// A resumed session keeps its provider and model unless flags chose others.
pub fn settings_for(settings: &mut Settings, cli: &Cli, l: &Loaded) {
    if cli.provider.is_some() {
        return;
    }
    let Some(p) = ProviderId::parse(&l.header.provider) else {
        return;
    };
    let model = cli.model.clone().or_else(|| Some(l.header.model.clone()));
    settings.select(p, model);
    settings.provider_defaulted = false;
}

/// Puts a loaded session into the agent; returns the lines to show.
pub fn attach(agent: &mut Agent, mut l: Loaded) -> Vec<String> {
    for n in &l.notes {
        crate::render::eprintln(&format!("wisp: {}: {n}", l.path.display()));
    }
    // A prompt left unanswered (wisp was killed) gets a marker, so the next
    // prompt does not run into it.
    if l.messages
        .last()
        .is_some_and(|m| m.role == Role::User && !m.text().is_empty())
    {
        l.messages.push(Message {
            role: Role::Assistant,
            content: vec![Block::Text {
                text: "[no answer: wisp stopped before replying]".into(),
            }],
        });
    }
    let lines = history(&l.messages);
    let mut session = Session::resumed(&l);
    let (provider, model) = (agent.provider.id().as_str(), agent.model.clone());
    if session.header.provider != provider || session.header.model != model {
        session.note_model(provider, &model);
    }
    agent.conv.messages = l.messages;
    agent.set_session(session);
    lines
}

/// One line per turn: the prompt, then what the model did and said.
pub fn history(messages: &[Message]) -> Vec<String> {
    let mut out = Vec::new();
    let clip = |s: &str, n: usize| -> String {
        let first = s
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        let mut c: String = first.chars().take(n).collect();
        if first.chars().count() > n || s.trim().lines().count() > 1 {
            c.push('…');
        }
        c
    };
    let mut tools = 0;
    let mut answer = String::new();
    let mut prompt: Option<String> = None;
    // What subagents reported to this turn, one line each.
    let mut tasks: Vec<String> = Vec::new();
    let flush = |out: &mut Vec<String>,
                 prompt: &mut Option<String>,
                 tools: &mut usize,
                 answer: &mut String,
                 tasks: &mut Vec<String>| {
        if let Some(p) = prompt.take() {
            let t = if *tools > 0 {
                format!(" [{tools} tool call{}]", if *tools == 1 { "" } else { "s" })
            } else {
                String::new()
            };
            out.push(format!("> {}{t} → {}", clip(&p, 50), clip(answer, 60)));
            out.extend(tasks.iter().map(|r| format!("  {}", clip(r, 76))));
        }
        tasks.clear();
        *tools = 0;
        answer.clear();
    };
    for m in messages {
        match m.role {
            // The summary stands for earlier turns; the user never typed it.
            Role::User if m.text().starts_with(super::SUMMARY_MARK) => {
                flush(&mut out, &mut prompt, &mut tools, &mut answer, &mut tasks);
                out.push("(earlier turns were compacted into a summary)".into());
            }
            Role::User if !m.text().is_empty() => {
                flush(&mut out, &mut prompt, &mut tools, &mut answer, &mut tasks);
                prompt = Some(m.text());
            }
            Role::User => tasks.extend(m.content.iter().filter_map(task_line)),
            Role::Assistant => {
                tools += m.tool_uses().count();
                let t = m.text();
                if !t.trim().is_empty() {
                    answer = t;
                }
            }
        }
    }
    flush(&mut out, &mut prompt, &mut tools, &mut answer, &mut tasks);
    out
}

/// A `task` result as `explore#1 → its answer`; the child's label is in the
/// summary line that ends the result.
fn task_line(b: &Block) -> Option<String> {
    let Block::ToolResult { name, content, .. } = b else {
        return None;
    };
    if name != "task" {
        return None;
    }
    let label = content
        .lines()
        .last()
        .and_then(|l| l.strip_prefix('['))
        .and_then(|l| l.split(':').next())
        .unwrap_or("task");
    Some(format!("{label} → {}", content.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_shows_a_compaction_summary_as_such_not_as_a_prompt() {
        let mut msgs = crate::session::summary_messages("we fixed the parser");
        msgs.push(Message::user_text("and now the tests"));
        msgs.push(Message {
            role: Role::Assistant,
            content: vec![Block::Text {
                text: "Tests pass.".into(),
            }],
        });
        assert_eq!(
            history(&msgs),
            [
                "(earlier turns were compacted into a summary)",
                "> and now the tests → Tests pass."
            ]
        );
    }
}
