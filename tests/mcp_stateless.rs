//! MCP servers of the stateless revision (2026-07-28), written with the
//! official TypeScript SDK v2 (`@modelcontextprotocol/server`, installed by
//! tests/support/setup) and refusing `initialize`: over stdio and over
//! Streamable HTTP on 127.0.0.1, wisp finds the revision by itself, lists and
//! calls tools, runs a prompt, shows progress and cancels.

mod support;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};
use support::{messages, root, wisp, Aimock};

fn server_script() -> String {
    let sdk = root().join(".cache/npm/node_modules/@modelcontextprotocol/server");
    assert!(
        sdk.exists(),
        "@modelcontextprotocol/server is not installed: run tests/support/setup"
    );
    root()
        .join("tests/support/mcp/stateless.mjs")
        .display()
        .to_string()
}

/// The server over Streamable HTTP, on a free port of 127.0.0.1.
struct HttpServer {
    child: Child,
    url: String,
}

impl HttpServer {
    fn start(mark: &str) -> HttpServer {
        let mut child = Command::new("node")
            .arg(server_script())
            .arg("http")
            .env("MARK", mark)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the stateless server");
        let out = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(out).read_line(&mut line).expect("port line");
        let port = line.trim().strip_prefix("listening on ").unwrap_or("");
        assert!(!port.is_empty(), "the server did not say its port: {line}");
        HttpServer {
            child,
            url: format!("http://127.0.0.1:{port}/mcp"),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stdio_entry(mark: &str) -> Value {
    json!({"command": "node", "args": [server_script()], "env": {"MARK": mark}})
}

fn tool_results(mock: &Aimock) -> Vec<String> {
    let bodies = mock.bodies("/v1/chat/completions");
    let msgs = messages(bodies.last().expect("request"));
    msgs.iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| m["content"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Lists, calls (text, image, progress) and runs a prompt against `entry`.
fn tools_prompt_progress_and_images(entry: Value) {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "hello to Ada", "turnIndex": 2}, "response": {"content": "hello Ada"}},
        {"match": {"userMessage": "go", "turnIndex": 0},
         "response": {"toolCalls": [
            {"name": "mcp__new__add", "arguments": {"a": 2, "b": 3}},
            {"name": "mcp__new__slow", "arguments": {"steps": 3}},
            {"name": "mcp__new__pixel", "arguments": {}}]}},
        {"match": {"turnIndex": 1}, "response": {"content": "done"}}
    ]));
    let w = wisp()
        .openai(&mock)
        .mcp_json(&json!({"mcpServers": {"new": entry}}).to_string());
    let run = w
        .args(&["--allow", "mcp__new__*"])
        .stdin("/mcp tools new\n/mcp\ngo\n/mcp__new__greet Ada\n")
        .run();
    run.success();
    assert!(
        run.stdout.contains("ready, 3 tools, MCP 2026-07-28"),
        "/mcp shows the revision: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("/mcp__new__greet NAME"),
        "{}",
        run.stdout
    );
    let results = tool_results(&mock);
    assert!(
        results
            .iter()
            .any(|r| r.contains("The sum of 2 and 3 is 5.")),
        "{results:?}"
    );
    assert!(
        results.iter().any(|r| r.contains("counted to 3")),
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .any(|r| r.contains("[image image/png attached]")),
        "{results:?}"
    );
    for step in ["1/3 step 1", "2/3 step 2"] {
        assert!(
            run.stderr.contains(&format!("mcp__new__slow: {step}")),
            "progress {step}: {}",
            run.stderr
        );
    }
    assert!(run.stdout.contains("hello Ada"), "{}", run.stdout);
    assert!(!run.stderr.contains("failed"), "{}", run.stderr);
}

#[test]
fn a_stateless_server_over_stdio_serves_tools_prompts_progress_and_images() {
    tools_prompt_progress_and_images(stdio_entry(""));
}

#[test]
fn a_stateless_server_over_http_serves_tools_prompts_progress_and_images() {
    let server = HttpServer::start("");
    tools_prompt_progress_and_images(json!({"type": "http", "url": server.url}));
}

/// A call that outlives MCP_TOOL_TIMEOUT is cancelled: the server hears of
/// it while wisp goes on (the model's next answer is slow), not at exit.
fn a_timed_out_call_is_cancelled(entry: impl FnOnce(&str) -> Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mark = dir.path().join("cancelled");
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "go", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "mcp__new__slow", "arguments": {"steps": 30}}]}},
        {"match": {"userMessage": "go", "hasToolResult": true},
         "response": {"content": "given up"}, "latency": 1500}
    ]));
    let run = wisp()
        .openai(&mock)
        .env("MCP_TOOL_TIMEOUT", "1500")
        .mcp_json(&json!({"mcpServers": {"new": entry(&mark.display().to_string())}}).to_string())
        .args(&["-p", "--allow", "mcp__new__*", "go"])
        .run();
    let exited = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_millis();
    run.success();
    assert!(run.stdout.contains("given up"), "{}", run.stdout);
    let results = tool_results(&mock);
    assert!(
        results.iter().any(|r| r.contains("the call was cancelled")),
        "{results:?}"
    );
    let when: u128 = std::fs::read_to_string(&mark)
        .expect("the server saw the cancellation")
        .trim()
        .parse()
        .expect("a time");
    assert!(
        when + 1000 < exited,
        "cancelled {}ms before wisp exited",
        exited.saturating_sub(when)
    );
}

#[test]
fn a_stateless_call_over_stdio_is_cancelled() {
    a_timed_out_call_is_cancelled(stdio_entry);
}

#[test]
fn a_stateless_call_over_http_is_cancelled() {
    let server = std::cell::OnceCell::new();
    a_timed_out_call_is_cancelled(|mark| {
        let s: &HttpServer = server.get_or_init(|| HttpServer::start(mark));
        json!({"type": "http", "url": s.url})
    });
}
