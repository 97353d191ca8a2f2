//! The MCP client: starts the configured servers in the background, keeps
//! their state (starting, ready, failed, disabled) and tool lists, and
//! hands their tools to the agent as `mcp__<server>__<tool>`.
//!
//! Every server runs in its own task; state lives behind one mutex, and a
//! watch channel counts changes so the agent re-reads the tool list only
//! when something changed (a server became ready, `list_changed`, a death).

mod approval;
mod b64;
pub mod command;
pub mod config;
mod handshake;
mod http;
pub(crate) mod jsonrpc;
mod legacy_sse;
mod names;
pub mod oauth;
mod oauth_login;
mod param_headers;
pub mod prompts;
mod signin;
mod stdio;
mod tool;

use crate::agent::cancel::Cancel;
use crate::tools::{Registry, Tool};
pub use b64::base64;
use config::{ServerConfig, Transport};
use handshake::{list_tools, Wire};
use jsonrpc::{Notice, Peer, RpcError};
use names::clashes;
pub use names::tool_name;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, watch};

/// A live connection, whatever the transport. Dropping `_stop` ends it.
pub struct Conn {
    pub peer: Arc<Peer>,
    pub notices: mpsc::UnboundedReceiver<Notice>,
    pub _stop: oneshot::Sender<()>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Starting,
    Ready,
    Failed(String),
    Disabled,
    /// An HTTP server that wants an OAuth sign-in (`/mcp login NAME`).
    NeedsLogin,
}

/// A tool as the server declares it.
#[derive(Clone, Debug)]
pub struct ToolInfo {
    pub name: String,
    pub description: String,
    pub schema: Value,
    /// The server says (`annotations.readOnlyHint`) the tool changes nothing.
    pub read_only: bool,
    /// Arguments mirrored into `Mcp-Param-*` headers: (property, header name).
    pub param_headers: Vec<(String, String)>,
}

struct Server {
    cfg: ServerConfig,
    status: Status,
    peer: Option<Arc<Peer>>,
    stop: Option<oneshot::Sender<()>>,
    tools: Vec<ToolInfo>,
    prompts: Vec<prompts::PromptInfo>,
    /// Counts starts, so a stale task never overwrites a newer one's state.
    epoch: u64,
    failures: u32,
    retry_at: Option<Instant>,
    version: String,
}

impl Server {
    /// Ends the connection and forgets what it offered; a task of the old
    /// connection that reports later is ignored (its epoch is stale).
    fn stop_as(&mut self, status: Status) {
        self.status = status;
        self.epoch += 1;
        self.peer = None;
        self.stop = None;
        self.tools.clear();
        self.prompts.clear();
    }
}

#[derive(Default)]
struct Inner {
    servers: Vec<Server>,
    /// One-line reports waiting to be shown.
    notices: Vec<String>,
}

/// The servers of this session. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct Manager {
    inner: Arc<Mutex<Inner>>,
    changed: Arc<watch::Sender<u64>>,
    synced: Arc<AtomicU64>,
    cwd: PathBuf,
    pub startup_timeout: Duration,
    pub call_timeout: Duration,
    /// Someone at a terminal can run `/mcp login`; otherwise a server that
    /// needs a sign-in gets one at once, but only when `$BROWSER` is set.
    interactive: bool,
    /// Sign-ins each server caused by itself (capped, oauth_login::AUTO_SIGNINS).
    signins: Arc<Mutex<std::collections::HashMap<String, Arc<AtomicU32>>>>,
    /// One sign-in at a time: a server's own sign-in and a typed `/mcp login`
    /// would otherwise race for the same token file.
    login_turn: Arc<tokio::sync::Mutex<()>>,
}

fn env_ms(var: &str, default: u64) -> Duration {
    let ms = std::env::var(var)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default);
    Duration::from_millis(ms)
}

impl Manager {
    /// Reads the config and starts every enabled server in the background.
    /// Returns the manager and one-line warnings about the config.
    pub fn start(cwd: PathBuf, can_ask: bool) -> (Manager, Vec<String>) {
        let (configs, warnings) = config::load(&cwd, can_ask);
        let (tx, _) = watch::channel(0u64);
        let m = Manager {
            inner: Arc::new(Mutex::new(Inner::default())),
            changed: Arc::new(tx),
            synced: Arc::new(AtomicU64::new(u64::MAX)),
            cwd,
            startup_timeout: env_ms("MCP_TIMEOUT", 20_000),
            call_timeout: env_ms("MCP_TOOL_TIMEOUT", 600_000),
            interactive: can_ask,
            signins: Default::default(),
            login_turn: Default::default(),
        };
        for cfg in configs {
            m.insert(cfg);
        }
        (m, warnings)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bump(&self) {
        self.changed.send_modify(|g| *g = g.wrapping_add(1));
    }

    /// Adds (or replaces) a server and starts it unless disabled.
    pub fn insert(&self, cfg: ServerConfig) {
        let name = cfg.name.clone();
        {
            let mut inner = self.lock();
            inner.servers.retain(|s| s.cfg.name != name);
            let disabled = cfg.disabled;
            inner.servers.push(Server {
                cfg,
                status: if disabled {
                    Status::Disabled
                } else {
                    Status::Starting
                },
                peer: None,
                stop: None,
                tools: Vec::new(),
                prompts: Vec::new(),
                epoch: 0,
                failures: 0,
                retry_at: None,
                version: String::new(),
            });
            inner.servers.sort_by(|a, b| a.cfg.name.cmp(&b.cfg.name));
            if !disabled {
                self.start_locked(&mut inner, &name);
            }
        }
        self.bump();
    }

    /// Stops and forgets a server.
    pub fn remove(&self, name: &str) -> bool {
        let found = {
            let mut inner = self.lock();
            let before = inner.servers.len();
            inner.servers.retain(|s| s.cfg.name != name);
            inner.servers.len() != before
        };
        self.bump();
        found
    }

    /// Stops a server (if running) and starts it again.
    pub fn restart(&self, name: &str) -> Result<(), String> {
        {
            let mut inner = self.lock();
            let s = find(&mut inner, name)?;
            s.cfg.disabled = false;
            s.failures = 0;
            self.start_locked(&mut inner, name);
        }
        self.bump();
        Ok(())
    }

    /// Marks a server disabled and stops it.
    pub fn disable(&self, name: &str) -> Result<(), String> {
        {
            let mut inner = self.lock();
            let s = find(&mut inner, name)?;
            s.cfg.disabled = true;
            s.stop_as(Status::Disabled);
        }
        self.bump();
        Ok(())
    }

    fn start_locked(&self, inner: &mut Inner, name: &str) {
        let Ok(s) = find(inner, name) else {
            return;
        };
        s.epoch += 1;
        s.status = Status::Starting;
        s.peer = None;
        s.stop = None;
        let (cfg, epoch) = (s.cfg.clone(), s.epoch);
        let m = self.clone();
        tokio::spawn(async move { m.lifecycle(cfg, epoch).await });
    }

    /// Applies `f` to the server if `epoch` is still its current start.
    fn update(&self, name: &str, epoch: u64, f: impl FnOnce(&mut Server)) -> bool {
        let ok = {
            let mut inner = self.lock();
            match inner
                .servers
                .iter_mut()
                .find(|s| s.cfg.name == name && s.epoch == epoch)
            {
                Some(s) => {
                    f(s);
                    true
                }
                None => false,
            }
        };
        if ok {
            self.bump();
        }
        ok
    }

    fn fail(&self, name: &str, epoch: u64, why: String) {
        let mut report = None;
        self.update(name, epoch, |s| {
            let was_ready = s.status == Status::Ready;
            s.failures += 1;
            let wait = Duration::from_secs(1 << s.failures.min(6));
            s.retry_at = Some(Instant::now() + wait);
            s.peer = None;
            s.stop = None;
            report = Some(if was_ready {
                format!("mcp: server `{name}` stopped: {why}; it restarts on next use")
            } else {
                format!("mcp: server `{name}` failed: {why}")
            });
            s.status = Status::Failed(why);
        });
        if let Some(r) = report {
            self.lock().notices.push(r);
        }
    }

    /// One start of one server: connect, initialize, list tools, then
    /// follow its notifications until it ends.
    async fn lifecycle(self, cfg: ServerConfig, epoch: u64) {
        let name = cfg.name.clone();
        let limit = self.startup_timeout;
        let conn = match tokio::time::timeout(limit, self.connect(&cfg)).await {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return self.fail(&name, epoch, e),
            Err(_) => return self.fail(&name, epoch, "timed out connecting".into()),
        };
        let Conn {
            peer,
            mut notices,
            _stop,
        } = conn;
        let p = peer.clone();
        if !self.update(&name, epoch, move |s| {
            s.stop = Some(_stop);
            s.peer = Some(p);
        }) {
            return;
        }
        let wire = match cfg.transport {
            Transport::Stdio { .. } => Wire::Stdio,
            Transport::Http { .. } => Wire::Http,
            Transport::Sse { .. } => Wire::Sse,
        };
        let (version, has_prompts) = match handshake::open(&peer, wire, limit).await {
            Ok(v) => v,
            Err(e) if e == "needs login" => return self.needs_login(cfg, epoch).await,
            Err(e) => {
                let e = match peer.last_garbage() {
                    Some(g) => format!("{e}; it printed non-JSON on stdout: {g}"),
                    None => e,
                };
                return self.fail(&name, epoch, e);
            }
        };
        let tools = match list_tools(&peer, limit).await {
            Ok(t) => t,
            Err(e) => return self.fail(&name, epoch, format!("tools/list: {e}")),
        };
        // A server whose prompts cannot be listed still serves its tools.
        let prompt_list = if has_prompts {
            prompts::list(&peer, limit).await.unwrap_or_default()
        } else {
            Vec::new()
        };
        self.update(&name, epoch, |s| {
            s.status = Status::Ready;
            s.tools = tools;
            s.prompts = prompt_list;
            s.version = version;
            s.failures = 0;
        });
        while let Some(n) = notices.recv().await {
            match n {
                Notice::ToolsChanged => {
                    let listed = list_tools(&peer, limit).await;
                    // Cleared only now, so the agent waits for the new list; a
                    // notification during the listing is still queued.
                    peer.clear_tools_stale();
                    match listed {
                        Ok(t) => {
                            self.update(&name, epoch, |s| s.tools = t);
                        }
                        // Wake whoever waits for the list; the old one stays.
                        Err(_) => self.bump(),
                    }
                }
                Notice::PromptsChanged => {
                    if let Ok(p) = prompts::list(&peer, limit).await {
                        self.update(&name, epoch, |s| s.prompts = p);
                    }
                }
                Notice::Closed(why) => return self.fail(&name, epoch, why),
            }
        }
    }

    async fn connect(&self, cfg: &ServerConfig) -> Result<Conn, String> {
        match &cfg.transport {
            Transport::Stdio {
                command,
                args,
                env,
                cwd,
            } => stdio::connect(&cfg.name, command, args, env, cwd.as_deref(), &self.cwd).await,
            Transport::Http { url, headers } => {
                let browser = std::env::var_os("BROWSER").is_some_and(|b| !b.is_empty());
                let signin = (!self.interactive && browser).then(|| oauth_login::Signin {
                    name: cfg.name.clone(),
                    url: url.clone(),
                    headers: headers.clone(),
                    client: cfg.oauth.clone(),
                    once: Default::default(),
                    made: self.signins_of(&cfg.name),
                });
                http::connect(&cfg.name, url, headers, signin).await
            }
            Transport::Sse { url, headers } => legacy_sse::connect(url, headers).await,
        }
    }

    /// A ready connection to `name`, starting it again if it died and its
    /// back-off has passed.
    async fn ready_peer(&self, name: &str) -> Result<Arc<Peer>, String> {
        let deadline = Instant::now() + self.startup_timeout + Duration::from_secs(1);
        loop {
            let mut rx = self.changed.subscribe();
            {
                let mut inner = self.lock();
                let s = find(&mut inner, name)?;
                match &s.status {
                    Status::Ready => {
                        if let Some(p) = &s.peer {
                            return Ok(p.clone());
                        }
                    }
                    Status::Disabled => return Err(format!("server `{name}` is disabled")),
                    Status::NeedsLogin => {
                        return Err(format!("server `{name}` needs login (/mcp login {name})"))
                    }
                    Status::Starting => {}
                    Status::Failed(why) => {
                        let now = Instant::now();
                        match s.retry_at {
                            Some(t) if t > now => {
                                return Err(format!(
                                    "server `{name}` is down ({why}); next restart in {}s",
                                    (t - now).as_secs() + 1
                                ))
                            }
                            _ => self.start_locked(&mut inner, name),
                        }
                    }
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if tokio::time::timeout(left, rx.changed()).await.is_err() {
                return Err(format!("server `{name}` is still starting"));
            }
        }
    }

    /// Calls a tool; the raw `tools/call` result. The server's progress
    /// notifications for the call (their `params`) go to `progress`.
    pub async fn call(
        &self,
        server: &str,
        tool: &str,
        args: &Value,
        progress: mpsc::UnboundedSender<Value>,
    ) -> Result<Value, String> {
        let peer = self.ready_peer(server).await?;
        let args = if args.is_object() {
            args.clone()
        } else {
            json!({})
        };
        let headers = {
            let inner = self.lock();
            let declared = inner
                .servers
                .iter()
                .find(|s| s.cfg.name == server)
                .and_then(|s| s.tools.iter().find(|t| t.name == tool))
                .map(|t| t.param_headers.clone())
                .unwrap_or_default();
            param_headers::values(&declared, &args)
        };
        let token = peer.progress_token();
        peer.watch_progress(&token, progress);
        let r = peer
            .request_with(
                "tools/call",
                json!({"name": tool, "arguments": args, "_meta": {"progressToken": token}}),
                self.call_timeout,
                headers,
            )
            .await;
        peer.unwatch_progress(&token);
        r.map_err(|e| match e {
            RpcError::Timeout(_) => format!("{e}; the call was cancelled"),
            e => e.to_string(),
        })
    }

    /// Waits for servers still starting or re-listing their tools (until they are up, fail or time
    /// out, or Ctrl-C), then brings the registry's MCP tools up to date.
    /// Returns the one-line reports to show.
    pub async fn sync(&self, tools: &mut Registry, cancel: &Cancel) -> Vec<String> {
        let deadline = Instant::now() + self.startup_timeout + Duration::from_secs(1);
        loop {
            let mut rx = self.changed.subscribe();
            let busy = self.lock().servers.iter().any(|s| {
                s.status == Status::Starting
                    || (s.status == Status::Ready
                        && s.peer.as_ref().is_some_and(|p| p.tools_stale()))
            });
            if !busy {
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            tokio::select! {
                r = tokio::time::timeout(left, rx.changed()) => if r.is_err() { break },
                _ = cancel.cancelled() => break,
            }
        }
        let generation = *self.changed.borrow();
        if self.synced.swap(generation, Ordering::SeqCst) != generation {
            let old: Vec<String> = tools
                .iter()
                .map(|t| t.name().to_string())
                .filter(|n| n.starts_with("mcp__"))
                .collect();
            for n in old {
                tools.remove(&n);
            }
            let inner = self.lock();
            let (_, clashing) = clashes(&inner);
            for s in inner
                .servers
                .iter()
                .filter(|s| s.status != Status::Disabled)
            {
                for t in &s.tools {
                    let mut mt = tool::McpTool::new(self.clone(), &s.cfg.name, t);
                    // Two tools under one name: neither is offered (see /mcp).
                    if clashing.contains(mt.name()) {
                        continue;
                    }
                    mt.trusted = s.cfg.trusted;
                    tools.add(std::rc::Rc::new(mt));
                }
            }
        }
        std::mem::take(&mut self.lock().notices)
    }

    /// One row per server: name, status, transport, tool count, version.
    pub fn overview(&self) -> Vec<(String, Status, &'static str, usize, String)> {
        self.lock()
            .servers
            .iter()
            .map(|s| {
                (
                    s.cfg.name.clone(),
                    s.status.clone(),
                    s.cfg.transport.label(),
                    s.tools.len(),
                    s.version.clone(),
                )
            })
            .collect()
    }

    pub fn tools_of(&self, name: &str) -> Result<(Status, Vec<ToolInfo>), String> {
        let mut inner = self.lock();
        let s = find(&mut inner, name)?;
        Ok((s.status.clone(), s.tools.clone()))
    }

    pub fn is_project(&self, name: &str) -> bool {
        self.lock()
            .servers
            .iter()
            .any(|s| s.cfg.name == name && s.cfg.project)
    }

    /// Waits until `name` is no longer starting (bounded by the start-up timeout).
    pub async fn settle(&self, name: &str) {
        let deadline = Instant::now() + self.startup_timeout + Duration::from_secs(1);
        loop {
            let mut rx = self.changed.subscribe();
            let starting = self
                .lock()
                .servers
                .iter()
                .any(|s| s.cfg.name == name && s.status == Status::Starting);
            let left = deadline.saturating_duration_since(Instant::now());
            if !starting || tokio::time::timeout(left, rx.changed()).await.is_err() {
                return;
            }
        }
    }
}

fn find<'a>(inner: &'a mut Inner, name: &str) -> Result<&'a mut Server, String> {
    inner
        .servers
        .iter_mut()
        .find(|s| s.cfg.name == name)
        .ok_or_else(|| format!("no MCP server named `{name}` (see /mcp)"))
}
