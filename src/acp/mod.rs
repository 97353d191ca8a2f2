//! `wisp acp`: an Agent Client Protocol agent on stdio, for editors such as Zed.
//!
//! Stdin is read by its own task and routed line by line, so `session/cancel`
//! and answers to permission requests arrive while a prompt runs. Everything
//! written to stdout is a protocol message (one writer task); logs go to stderr.

mod approve;
mod client;
mod history;
pub(crate) mod rpc;
mod session;
mod updates;

use crate::agent::conversation::Message;
use crate::agent::turn::TurnEnd;
use crate::cli::Cli;
use crate::config::Settings;
use crate::permissions::Mode;
use crate::provider::StopReason;
use rpc::{Conn, Incoming, RpcError};
use serde_json::{json, Value};
use session::Session;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

struct State {
    conn: Rc<Conn>,
    settings: Settings,
    cli: Cli,
    process_cwd: PathBuf,
    sessions: RefCell<HashMap<String, Rc<Session>>>,
    /// What the client said it can do for the tools (`initialize`).
    client_caps: RefCell<Value>,
}

/// Serves ACP until stdin closes; returns the exit code.
pub async fn run(cli: Cli, settings: Settings, process_cwd: PathBuf) -> i32 {
    let local = tokio::task::LocalSet::new();
    local.run_until(serve(cli, settings, process_cwd)).await
}

async fn serve(cli: Cli, settings: Settings, process_cwd: PathBuf) -> i32 {
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<String>();
    let writer = tokio::task::spawn_local(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(mut line) = out_rx.recv().await {
            line.push('\n');
            if stdout.write_all(line.as_bytes()).await.is_err() || stdout.flush().await.is_err() {
                break;
            }
        }
    });
    let (in_tx, mut in_rx) = mpsc::unbounded_channel::<Incoming>();
    tokio::task::spawn_local(async move {
        let mut r = tokio::io::BufReader::new(tokio::io::stdin());
        let mut lines = crate::limits::Lines::new(crate::limits::message());
        loop {
            let msg = match crate::limits::next_line(&mut r, &mut lines).await {
                Ok(None) | Err(_) => break,
                Ok(Some(crate::limits::Owned::Line(l))) => {
                    let line = String::from_utf8_lossy(&l);
                    if line.trim().is_empty() {
                        continue;
                    }
                    rpc::parse(line.trim())
                }
                // Dropped unread: answered or failed by its id when one is visible.
                Ok(Some(crate::limits::Owned::TooLong(o))) => rpc::too_long(&o),
            };
            if in_tx.send(msg).is_err() {
                break;
            }
        }
    });
    let state = Rc::new(State {
        conn: Rc::new(Conn::new(out_tx)),
        settings,
        cli,
        process_cwd,
        sessions: RefCell::new(HashMap::new()),
        client_caps: RefCell::new(Value::Null),
    });
    while let Some(msg) = in_rx.recv().await {
        match msg {
            Incoming::Request { id, method, params } => request(&state, id, &method, params),
            Incoming::Notification { method, params } => notification(&state, &method, &params),
            Incoming::Response { id, result } => state.conn.resolve(&id, result),
            Incoming::Invalid { code, id, why } => {
                eprintln!("wisp acp: {why}");
                state.conn.error(&id, code, &why);
            }
        }
    }
    // The client is gone: stop whatever runs, let it write its last lines, and leave.
    for s in state.sessions.borrow().values() {
        s.cancel.cancel();
    }
    state.conn.close_pending();
    drop(state);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), writer).await;
    0
}

/// Answers request `id` once `work` is done, without holding up the
/// messages that arrive meanwhile.
fn answer_later(
    state: &Rc<State>,
    id: Value,
    work: impl std::future::Future<Output = Result<Value, RpcError>> + 'static,
) {
    let state = state.clone();
    tokio::task::spawn_local(async move {
        match work.await {
            Ok(v) => state.conn.respond(&id, v),
            Err(e) => state.conn.error(&id, e.code, &e.message),
        }
    });
}

fn request(state: &Rc<State>, id: Value, method: &str, params: Value) {
    let result = match method {
        "initialize" => {
            *state.client_caps.borrow_mut() = params["clientCapabilities"].clone();
            Ok(initialize(&params))
        }
        // These run as long as they need while later messages (a cancel,
        // answers to permission requests) keep being read.
        "session/new" => {
            let s = state.clone();
            return answer_later(state, id, async move { new_session(&s, &params).await });
        }
        "session/load" => {
            let s = state.clone();
            return answer_later(state, id, async move { load_session(&s, &params).await });
        }
        "session/set_mode" => set_mode(state, &params),
        "session/list" => {
            let s = state.clone();
            return answer_later(state, id, async move {
                let cwd = match params["cwd"].as_str() {
                    Some(c) => session::resolve_cwd(c)?,
                    None => s.process_cwd.clone(),
                };
                Ok(history::list(&cwd).await)
            });
        }
        "session/prompt" => {
            let s = state.clone();
            return answer_later(state, id, async move { prompt(&s, &params).await });
        }
        _ => Err(RpcError {
            code: rpc::METHOD_NOT_FOUND,
            message: format!("method not found: {method}"),
        }),
    };
    match result {
        Ok(v) => state.conn.respond(&id, v),
        Err(e) => state.conn.error(&id, e.code, &e.message),
    }
}

fn notification(state: &State, method: &str, params: &Value) {
    match method {
        "session/cancel" => match lookup(state, params) {
            Ok(s) => s.cancel.cancel(),
            Err(e) => eprintln!("wisp acp: session/cancel: {}", e.message),
        },
        other => eprintln!("wisp acp: ignoring notification {other}"),
    }
}

fn initialize(params: &Value) -> Value {
    let asked = params["protocolVersion"].as_u64().unwrap_or(1);
    if asked != 1 {
        eprintln!("wisp acp: client asked for protocol version {asked}; offering 1");
    }
    json!({
        "protocolVersion": 1,
        "agentCapabilities": {
            "loadSession": true,
            "promptCapabilities": {"image": true, "audio": false, "embeddedContext": true},
            "mcpCapabilities": {"http": true, "sse": true},
            "sessionCapabilities": {"list": {}},
        },
        "agentInfo": {"name": "wisp", "version": env!("CARGO_PKG_VERSION")},
        "authMethods": [],
    })
}

fn str_param<'a>(params: &'a Value, key: &str) -> Result<&'a str, RpcError> {
    params
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::params(format!("missing string parameter `{key}`")))
}

fn lookup(state: &State, params: &Value) -> Result<Rc<Session>, RpcError> {
    let id = str_param(params, "sessionId")?;
    state
        .sessions
        .borrow()
        .get(id)
        .cloned()
        .ok_or_else(|| RpcError::params(format!("unknown session `{id}`")))
}

async fn new_session(state: &Rc<State>, params: &Value) -> Result<Value, RpcError> {
    let (cwd, settings) = session_settings(state, params)?;
    let mut agent = crate::agent::setup::build(&settings, cwd.clone(), state.cli.yolo)
        .map_err(RpcError::internal)?;
    start_mcp(&mut agent, &cwd, params);
    start_hooks(&mut agent, &cwd);
    for w in crate::subagent::attach(&mut agent, settings.max_parallel_tasks, settings.max_steps) {
        eprintln!("wisp acp: {w}");
    }
    Ok(open(state, cwd, agent, Vec::new()).await)
}

fn session_settings(state: &State, params: &Value) -> Result<(PathBuf, Settings), RpcError> {
    let cwd = session::session_cwd(str_param(params, "cwd")?)?;
    let settings =
        session::settings_for(&state.settings, &cwd, &state.cli).map_err(RpcError::params)?;
    Ok((cwd, settings))
}

/// `session/load`: the saved transcript with this id, replayed, then live.
async fn load_session(state: &Rc<State>, params: &Value) -> Result<Value, RpcError> {
    let id = str_param(params, "sessionId")?;
    if id.contains(['/', '\\']) || id.starts_with('.') {
        return Err(RpcError::params(format!("unknown session `{id}`")));
    }
    let (cwd, mut settings) = session_settings(state, params)?;
    let path = crate::session::sessions_dir().join(format!("{id}.jsonl"));
    if tokio::fs::metadata(&path).await.is_err() {
        return Err(RpcError::params(format!("unknown session `{id}`")));
    }
    let loaded = crate::session::load(&path)
        .await
        .map_err(RpcError::params)?;
    crate::session::resume::settings_for(&mut settings, &state.cli, &loaded);
    let mut agent = crate::agent::setup::build(&settings, cwd.clone(), state.cli.yolo)
        .map_err(RpcError::internal)?;
    crate::session::resume::attach(&mut agent, loaded);
    start_mcp(&mut agent, &cwd, params);
    start_hooks(&mut agent, &cwd);
    for w in crate::subagent::attach(&mut agent, settings.max_parallel_tasks, settings.max_steps) {
        eprintln!("wisp acp: {w}");
    }
    let replay = history::replay(&agent.conv.messages, &agent.tools, &cwd);
    let mut r = open(state, cwd, agent, replay).await;
    if let Some(o) = r.as_object_mut() {
        o.remove("sessionId");
    }
    Ok(r)
}

/// The MCP servers the editor names for a session, as wisp's own server
/// configs: stdio `{name, command, args, env: [{name, value}]}`, or
/// `{type: "http"|"sse", name, url, headers: [{name, value}]}`.
fn editor_mcp_servers(params: &Value) -> Vec<crate::mcp::config::ServerConfig> {
    use crate::mcp::config::{ServerConfig, Transport};
    let pairs = |v: &Value| -> Vec<(String, String)> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                Some((
                    p["name"].as_str()?.to_string(),
                    p["value"].as_str()?.to_string(),
                ))
            })
            .collect()
    };
    let mut out = Vec::new();
    for s in params["mcpServers"].as_array().into_iter().flatten() {
        let Some(name) = s["name"].as_str() else {
            eprintln!("wisp acp: an MCP server without a name was skipped");
            continue;
        };
        if let Err(e) = crate::mcp::config::check_name(name) {
            eprintln!("wisp acp: MCP {e}; skipped");
            continue;
        }
        let transport = match (s["type"].as_str(), s["url"].as_str(), s["command"].as_str()) {
            (Some("http"), Some(url), _) => Transport::Http {
                url: url.to_string(),
                headers: pairs(&s["headers"]),
            },
            (Some("sse"), Some(url), _) => Transport::Sse {
                url: url.to_string(),
                headers: pairs(&s["headers"]),
            },
            (None | Some("stdio"), _, Some(command)) => Transport::Stdio {
                command: command.to_string(),
                args: s["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.as_str().map(str::to_string))
                    .collect(),
                env: pairs(&s["env"]),
                cwd: None,
            },
            _ => {
                eprintln!("wisp acp: MCP server `{name}` has no command or url; skipped");
                continue;
            }
        };
        out.push(ServerConfig {
            name: name.to_string(),
            transport,
            disabled: false,
            project: false,
            trusted: false,
            oauth: Default::default(),
        });
    }
    out
}

/// Starts the session's MCP servers: the user's own, and those the editor names.
fn start_mcp(agent: &mut crate::agent::Agent, cwd: &std::path::Path, params: &Value) {
    let (manager, warnings) = crate::mcp::Manager::start(cwd.to_path_buf(), false);
    for w in warnings {
        eprintln!("wisp acp: mcp: {w}");
    }
    for cfg in editor_mcp_servers(params) {
        manager.insert(cfg);
    }
    agent.mcp = Some(manager);
}

/// The session's hooks: the user's, and the project's already approved
/// (nobody can approve them here). SessionStart runs with the first prompt,
/// once the editor knows the session.
fn start_hooks(agent: &mut crate::agent::Agent, cwd: &std::path::Path) {
    let (hooks, warnings) = crate::hooks::load(cwd, false);
    for w in warnings {
        eprintln!("wisp acp: hooks: {w}");
    }
    agent.hooks = hooks;
}

/// Registers a session under its transcript's id, sends `before` (a replayed
/// history) and then the command list; returns the session/new result.
async fn open(
    state: &Rc<State>,
    cwd: PathBuf,
    mut agent: crate::agent::Agent,
    before: Vec<Value>,
) -> Value {
    let id = agent
        .session
        .as_ref()
        .map(|s| s.header.id.clone())
        .unwrap_or_default();
    for u in before {
        state
            .conn
            .notify("session/update", json!({"sessionId": id, "update": u}));
    }
    let dir = cwd.clone();
    // A few small directories; off the runtime all the same.
    let prompts = tokio::task::spawn_blocking(move || crate::prompts::Library::load(&dir))
        .await
        .unwrap_or_default();
    for w in &prompts.warnings {
        eprintln!("wisp acp: {w}");
    }
    let commands = session::available_commands(&prompts);
    let current_call = Rc::new(RefCell::new(String::new()));
    let call_terminal = Rc::new(RefCell::new(None));
    let editor = client::Editor::from_caps(
        &state.client_caps.borrow(),
        state.conn.clone(),
        id.clone(),
        current_call.clone(),
        call_terminal.clone(),
    );
    if let Some(e) = editor {
        // Commands the editor's terminal runs are beyond wisp's sandbox.
        if e.terminal {
            agent.policy.sandboxed = false;
            eprintln!("wisp acp: commands run in the editor's terminal, outside wisp's sandbox: build/test commands ask");
        }
        agent.ctx.client = Some(Rc::new(e));
    }
    let mode = agent.policy.mode;
    let s = Rc::new(Session {
        id: id.clone(),
        cwd,
        cancel: agent.ctx.cancel.clone(),
        agent: RefCell::new(Some(agent)),
        pending_mode: Cell::new(None),
        current_call,
        call_terminal,
        rejected: Rc::new(RefCell::new(Default::default())),
        prompts: Rc::new(prompts),
        hooks_started: Cell::new(false),
    });
    // Loading a session this process already has open replaces it.
    let replaced = state.sessions.borrow_mut().insert(id.clone(), s);
    if let Some(old) = replaced {
        old.cancel.cancel();
    }
    // The command list follows the response, once the client knows the session id.
    let conn = state.conn.clone();
    let sid = id.clone();
    tokio::task::spawn_local(async move {
        conn.notify(
            "session/update",
            json!({"sessionId": sid, "update": commands}),
        );
    });
    json!({"sessionId": id, "modes": session::modes(mode)})
}

fn mode_update(state: &State, s: &Session, m: Mode) {
    state.conn.notify(
        "session/update",
        json!({"sessionId": s.id, "update": {"sessionUpdate": "current_mode_update", "currentModeId": m.as_str()}}),
    );
}

fn set_mode(state: &State, params: &Value) -> Result<Value, RpcError> {
    let s = lookup(state, params)?;
    let name = str_param(params, "modeId")?;
    let m = Mode::parse(name).ok_or_else(|| {
        RpcError::params(format!(
            "unknown mode `{name}` (restrictive, guarded, accept-edits, standard)"
        ))
    })?;
    match s.agent.borrow_mut().as_mut() {
        Some(a) => a.policy.mode = m,
        // A prompt is running: the mode applies when it ends.
        None => s.pending_mode.set(Some(m)),
    }
    mode_update(state, &s, m);
    Ok(json!({}))
}

async fn prompt(state: &Rc<State>, params: &Value) -> Result<Value, RpcError> {
    let s = lookup(state, params)?;
    let content = session::blocks(&params["prompt"])?;
    let Some(mut agent) = s.agent.borrow_mut().take() else {
        return Err(RpcError {
            code: rpc::INVALID_REQUEST,
            message: "a prompt is already running in this session".into(),
        });
    };
    let result = run_prompt(state, &s, &mut agent, content).await;
    if let Some(m) = s.pending_mode.take() {
        agent.policy.mode = m;
    }
    *s.agent.borrow_mut() = Some(agent);
    result
}

async fn run_prompt(
    state: &Rc<State>,
    s: &Rc<Session>,
    agent: &mut crate::agent::Agent,
    content: Vec<crate::agent::conversation::Block>,
) -> Result<Value, RpcError> {
    let mut sink = updates::Updates {
        conn: state.conn.clone(),
        session: s.id.clone(),
        cwd: s.cwd.clone(),
        current_call: s.current_call.clone(),
        call_terminal: s.call_terminal.clone(),
        plan: None,
        window: agent.limits.window,
        children: Vec::new(),
    };
    if let [crate::agent::conversation::Block::Text { text }] = content.as_slice() {
        if let Some(r) = session::slash(agent, text) {
            sink.text("agent_message_chunk", &r.text);
            if r.mode_changed {
                mode_update(state, s, agent.policy.mode);
            }
            return Ok(json!({"stopReason": "end_turn"}));
        }
    }
    let mut content = content;
    let mut saved_mode = None;
    let lib = s.prompts.clone();
    let invoked = match content.as_slice() {
        [crate::agent::conversation::Block::Text { text }] => library_prompt(&lib, text),
        _ => None,
    };
    if let Some((p, args)) = invoked {
        match p.expand(&args).await {
            Ok(t) => content = Message::user_text(t).content,
            Err(e) => {
                sink.text("agent_message_chunk", &format!("/{}: {e}", p.name));
                return Ok(json!({"stopReason": "end_turn"}));
            }
        }
        saved_mode = crate::prompts::run::enter_mode(&mut agent.policy, p.mode);
    }
    let mut approver = approve::AskClient {
        conn: state.conn.clone(),
        session: s.id.clone(),
        cancel: s.cancel.clone(),
        current_call: s.current_call.clone(),
        rejected: s.rejected.clone(),
    };
    s.cancel.reset();
    if agent.hooks.is_some() && !s.hooks_started.replace(true) {
        let source = if agent.conv.messages.is_empty() {
            "startup"
        } else {
            "resume"
        };
        agent.session_start(source, &mut sink).await;
    }
    if agent.submit(content, &mut sink).await.is_err() {
        crate::prompts::run::leave_mode(&mut agent.policy, saved_mode);
        return Ok(json!({"stopReason": "end_turn"}));
    }
    let max_steps = state.settings.max_steps;
    let (end, _) = agent.turn(&mut sink, &mut approver, max_steps, None).await;
    crate::prompts::run::leave_mode(&mut agent.policy, saved_mode);
    let reason = match end {
        _ if s.cancel.is_cancelled() => "cancelled",
        TurnEnd::Cancelled | TurnEnd::Stopped => "cancelled",
        TurnEnd::Done(StopReason::MaxTokens) => "max_tokens",
        TurnEnd::Done(StopReason::Refusal) => "refusal",
        TurnEnd::Done(_) => "end_turn",
        TurnEnd::MaxSteps(_) => "max_turn_requests",
        TurnEnd::Error(e) => {
            return Err(RpcError::internal(crate::hint_for(&state.settings, &e)));
        }
    };
    Ok(json!({"stopReason": reason}))
}

/// `/NAME args` when NAME is a library prompt.
fn library_prompt<'a>(
    lib: &'a crate::prompts::Library,
    text: &str,
) -> Option<(&'a crate::prompts::Prompt, String)> {
    let rest = text.trim().strip_prefix('/')?;
    let (name, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    Some((lib.get(name)?, args.trim().to_string()))
}
