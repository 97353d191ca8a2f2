//! MCP servers end to end: real servers from npm and PyPI over stdio (installed by
//! tests/support/setup), small scripted ones for the failure cases, and a
//! model (aimock) that calls their tools.

mod support;
use serde_json::{json, Value};
use support::{messages, root, wisp, Aimock};

fn bin(name: &str) -> String {
    let p = root().join(".cache/npm/node_modules/.bin").join(name);
    assert!(
        p.exists(),
        "{name} is not installed: run tests/support/setup (scripts/test does it)"
    );
    p.display().to_string()
}

fn script(name: &str) -> String {
    root()
        .join("tests/support/mcp")
        .join(name)
        .display()
        .to_string()
}

/// `mcpServers` JSON with the everything server plus `extra` entries.
fn servers(extra: Value) -> String {
    let mut m =
        json!({"everything": {"command": "node", "args": [bin("mcp-server-everything"), "stdio"]}});
    if let (Some(m), Some(e)) = (m.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            m.insert(k.clone(), v.clone());
        }
    }
    json!({ "mcpServers": m }).to_string()
}

/// A model that calls `tool` once with `args`, then answers "done".
fn one_call(tool: &str, args: Value) -> Aimock {
    Aimock::start(json!([
        {"match": {"userMessage": "go", "hasToolResult": false},
         "response": {"toolCalls": [{"name": tool, "arguments": args}]}},
        {"match": {"userMessage": "go", "hasToolResult": true}, "response": {"content": "done"}}
    ]))
}

fn tool_result(mock: &Aimock) -> String {
    let bodies = mock.bodies("/v1/chat/completions");
    let msgs = messages(bodies.last().expect("request"));
    let r = msgs
        .iter()
        .rev()
        .find(|m| m["role"] == "tool")
        .expect("tool result");
    r["content"].as_str().unwrap_or("").to_string()
}

fn tool_names(body: &Value) -> Vec<String> {
    body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["function"]["name"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn mcp_tools_lists_the_servers_tools_in_a_scripted_session() {
    let mock = Aimock::start(json!([]));
    let run = wisp()
        .openai(&mock)
        .mcp_json(&servers(json!({})))
        .stdin("/mcp tools everything\n/mcp\n")
        .run();
    run.success();
    for t in ["mcp__everything__get-sum", "mcp__everything__echo"] {
        assert!(run.stdout.contains(t), "{t} listed: {}", run.stdout);
    }
    assert!(
        run.stdout.contains("everything  stdio  ready, ")
            && run.stdout.contains("tools, MCP 2025-11-25"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("Starting default") && !run.stderr.contains("Starting default"),
        "server stderr goes to its log, not the screen"
    );
}

#[test]
fn get_sum_through_a_model_turn_reaches_the_model() {
    let mock = one_call("mcp__everything__get-sum", json!({"a": 2, "b": 3}));
    let w = wisp().openai(&mock).mcp_json(&servers(json!({}))).args(&[
        "-p",
        "--allow",
        "mcp__everything__*",
        "go",
    ]);
    let run = w.run();
    run.success();
    assert!(run.stdout.contains("done"), "{}", run.stdout);
    let result = tool_result(&mock);
    assert!(result.contains('5'), "the sum reached the model: {result}");
    let first = &mock.bodies("/v1/chat/completions")[0];
    let sum = first["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["function"]["name"] == "mcp__everything__get-sum")
        .expect("the model was offered get-sum");
    assert_eq!(sum["function"]["parameters"]["type"], "object");
    assert!(sum["function"]["parameters"]["properties"]["a"].is_object());
    let log = w.home.path().join("data/wisp/mcp-logs/everything.log");
    assert!(log.exists(), "the server's stderr is logged");
}

#[test]
fn mcp_calls_ask_unless_a_rule_names_them() {
    let mock = one_call("mcp__everything__get-sum", json!({"a": 2, "b": 3}));
    let run = wisp()
        .openai(&mock)
        .mcp_json(&servers(json!({})))
        .args(&["-p", "go"])
        .run();
    run.success();
    let result = tool_result(&mock);
    assert!(
        result.starts_with("denied:") && result.contains("--allow 'mcp__everything__get-sum'"),
        "{result}"
    );

    // Interactively the approval line names the server's tool and its arguments.
    let mock = one_call("mcp__everything__get-sum", json!({"a": 2, "b": 3}));
    let run = wisp()
        .openai(&mock)
        .mcp_json(&servers(json!({})))
        .stdin("go\ny\n")
        .run();
    run.success();
    assert!(
        run.stdout
            .contains(r#"ask: mcp__everything__get-sum {"a":2,"b":3}"#),
        "{}",
        run.stdout
    );
    assert!(tool_result(&mock).contains('5'));
}

#[test]
fn broken_servers_are_reported_in_one_line_and_the_turn_completes() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "hi"}, "response": {"content": "hello there"}}
    ]));
    let run = wisp()
        .openai(&mock)
        // Long enough for the healthy Node server to start on a loaded
        // machine; the silent one is given up on after it.
        .env("MCP_TIMEOUT", "6000")
        .mcp_json(&servers(json!({
            "exits": {"command": script("exits.sh")},
            "garbage": {"command": script("garbage.sh")},
            "silent": {"command": script("silent.sh")},
            "missing": {"command": "/nonexistent/mcp-server"},
        })))
        .args(&["-p", "hi"])
        .run();
    run.success();
    assert!(run.stdout.contains("hello there"), "{}", run.stdout);
    let lines: Vec<&str> = run.stderr.lines().collect();
    let line_for = |name: &str| {
        let hits: Vec<&&str> = lines
            .iter()
            .filter(|l| l.contains(&format!("`{name}`")))
            .collect();
        assert_eq!(hits.len(), 1, "one line for {name}: {}", run.stderr);
        hits[0].to_string()
    };
    assert!(line_for("exits").contains("exited with status 3"));
    let g = line_for("garbage");
    assert!(
        g.contains("non-JSON") && g.contains("Welcome! Server v1"),
        "{g}"
    );
    assert!(line_for("silent").contains("no answer to initialize"));
    assert!(line_for("missing").contains("cannot start"));
    // The healthy server's tools still reached the model.
    let first = &mock.bodies("/v1/chat/completions")[0];
    assert!(tool_names(first).contains(&"mcp__everything__get-sum".to_string()));
}

#[test]
fn a_server_that_crashes_mid_call_is_reported_and_wisp_goes_on() {
    let mock = one_call("mcp__scripted__crash", json!({}));
    let run = wisp()
        .openai(&mock)
        .mcp_json(
            &json!({"mcpServers": {"scripted": {"command": script("scripted.sh")}}}).to_string(),
        )
        .args(&["-p", "--allow", "mcp__scripted__*", "go"])
        .run();
    run.success();
    assert!(run.stdout.contains("done"), "{}", run.stdout);
    let result = tool_result(&mock);
    assert!(result.contains("exited with status 7"), "{result}");
    assert!(
        run.stderr.contains(
            "mcp: server `scripted` stopped: exited with status 7; it restarts on next use"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn list_changed_refreshes_the_tools_the_model_sees() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "grow", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "mcp__scripted__grow", "arguments": {}}]}},
        {"match": {"userMessage": "grow", "hasToolResult": true}, "response": {"content": "grew"}},
        {"match": {"userMessage": "again"}, "response": {"content": "ok"}}
    ]));
    let run = wisp()
        .openai(&mock)
        .mcp_json(
            &json!({"mcpServers": {"scripted": {"command": script("scripted.sh")}}}).to_string(),
        )
        .args(&["--allow", "mcp__scripted__*"])
        .stdin("grow\nagain\n/mcp\n")
        .run();
    run.success();
    let bodies = mock.bodies("/v1/chat/completions");
    let first = tool_names(&bodies[0]);
    assert!(first.contains(&"mcp__scripted__grow".to_string()));
    assert!(!first.contains(&"mcp__scripted__second".to_string()));
    let last = tool_names(bodies.last().expect("request"));
    assert!(
        last.contains(&"mcp__scripted__second".to_string()),
        "{last:?}\n{}\n{}",
        run.stdout,
        run.stderr
    );
    // The server answered initialize with an older revision, which is accepted.
    assert!(
        run.stdout.contains("ready, 3 tools, MCP 2025-06-18"),
        "{}",
        run.stdout
    );
}

#[test]
fn project_servers_need_approval_and_are_skipped_in_print_mode() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "hi"}, "response": {"content": "hello"}}
    ]));
    let run = wisp()
        .openai(&mock)
        .file(".mcp.json", &servers(json!({})))
        .args(&["-p", "hi"])
        .run();
    run.success();
    let warn: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains(".mcp.json"))
        .collect();
    assert_eq!(warn.len(), 1, "{}", run.stderr);
    assert!(warn[0].contains("everything") && warn[0].contains("not approved"));
    let first = &mock.bodies("/v1/chat/completions")[0];
    assert!(!tool_names(first).iter().any(|n| n.starts_with("mcp__")));
}

#[test]
fn mcp_add_disable_and_remove_write_the_users_mcp_json() {
    let mock = Aimock::start(json!([]));
    let w = wisp().openai(&mock);
    let ev = bin("mcp-server-everything");
    let w = w.stdin(&format!(
        "/mcp add ev -- node {ev} stdio\n/mcp disable ev\n/mcp\n"
    ));
    let run = w.run();
    run.success();
    assert!(run.stdout.contains("ev  stdio  ready, "), "{}", run.stdout);
    assert!(run.stdout.contains("ev  stdio  disabled"), "{}", run.stdout);
    let file = w.home.path().join("config/wisp/mcp.json");
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("mcp.json")).expect("json");
    assert_eq!(saved["mcpServers"]["ev"]["command"], "node");
    assert_eq!(saved["mcpServers"]["ev"]["args"][1], "stdio");
    assert_eq!(saved["mcpServers"]["ev"]["disabled"], true);

    let w = w.stdin("/mcp remove ev\n/mcp\n");
    let run = w.run();
    run.success();
    assert!(run.stdout.contains("removed `ev`"), "{}", run.stdout);
    assert!(run.stdout.contains("no MCP servers"), "{}", run.stdout);
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("mcp.json")).expect("json");
    assert!(saved["mcpServers"].get("ev").is_none(), "{saved}");
}

#[test]
fn filesystem_server_reads_a_file_for_the_model() {
    let w = wisp().file("notes.txt", "the secret word is lantern\n");
    let path = w.path("notes.txt").display().to_string();
    let mock = one_call("mcp__fs__read_text_file", json!({"path": path}));
    let root_dir = w.project.display().to_string();
    let run = w
        .openai(&mock)
        .mcp_json(
            &json!({"mcpServers": {"fs": {"command": "node", "args": [bin("mcp-server-filesystem"), root_dir]}}})
                .to_string(),
        )
        .args(&["-p", "--allow", "mcp__fs__*", "go"])
        .run();
    run.success();
    let result = tool_result(&mock);
    assert!(result.contains("lantern"), "{result}");
}

#[test]
fn a_server_prompt_runs_as_a_slash_command() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "weather"}, "response": {"content": "sunny"}}
    ]));
    let run = wisp()
        .openai(&mock)
        .mcp_json(&servers(json!({})))
        .stdin("/mcp tools everything\n/mcp__everything__args-prompt Paris state=TX\n/mcp__everything__args-prompt\n")
        .run();
    assert!(
        run.stdout
            .contains("/mcp__everything__args-prompt CITY [STATE]"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("sunny"), "{}", run.stdout);
    let bodies = mock.bodies("/v1/chat/completions");
    assert_eq!(
        bodies.len(),
        1,
        "the prompt without its argument is not sent"
    );
    let user = messages(&bodies[0])
        .into_iter()
        .rev()
        .find(|m| m["role"] == "user")
        .expect("user message");
    assert_eq!(user["content"], "What's weather in Paris, TX?");
    assert!(
        run.stderr.contains("missing CITY; it takes CITY [STATE]"),
        "{}",
        run.stderr
    );
}

/// server-everything over streamable HTTP on a free port; wisp only ever
/// connects to it on 127.0.0.1.
struct HttpEverything {
    child: std::process::Child,
    port: u16,
}

impl HttpEverything {
    fn start() -> HttpEverything {
        Self::start_with("streamableHttp")
    }

    fn start_with(mode: &str) -> HttpEverything {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = std::process::Command::new("node")
            .arg(bin("mcp-server-everything"))
            .arg(mode)
            .env("PORT", port.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start server-everything");
        let start = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(15),
                "server-everything did not listen"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        HttpEverything { child, port }
    }
}

impl Drop for HttpEverything {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn get_sum_over_streamable_http() {
    let server = HttpEverything::start();
    let mock = one_call("mcp__web__get-sum", json!({"a": 2, "b": 3}));
    let url = format!("http://127.0.0.1:{}/mcp", server.port);
    let run = wisp()
        .openai(&mock)
        .mcp_json(
            &json!({"mcpServers": {"web": {"type": "http", "url": url,
                "headers": {"Authorization": "Bearer ${HOME}"}}}})
            .to_string(),
        )
        .args(&["-p", "--allow", "mcp__web__*", "go"])
        .run();
    run.success();
    let result = tool_result(&mock);
    assert!(result.contains("is 5"), "{result}");
}

#[test]
fn get_sum_over_legacy_sse() {
    let server = HttpEverything::start_with("sse");
    let mock = one_call("mcp__old__get-sum", json!({"a": 2, "b": 3}));
    let url = format!("http://127.0.0.1:{}/sse", server.port);
    let run = wisp()
        .openai(&mock)
        .mcp_json(&json!({"mcpServers": {"old": {"type": "sse", "url": url}}}).to_string())
        .args(&["-p", "--allow", "mcp__old__*", "go"])
        .run();
    run.success();
    let result = tool_result(&mock);
    assert!(result.contains("is 5"), "{result}");
}

#[test]
fn progress_of_a_long_call_is_shown_and_the_result_reaches_the_model() {
    let mock = one_call(
        "mcp__everything__trigger-long-running-operation",
        json!({"duration": 2, "steps": 3}),
    );
    let run = wisp()
        .openai(&mock)
        .mcp_json(&servers(json!({})))
        .args(&["-p", "--allow", "mcp__everything__*", "go"])
        .run();
    run.success();
    // The progress made while the call runs is shown; the last notification
    // can arrive together with the result, after which there is nothing to show.
    for step in ["1/3", "2/3"] {
        let line = format!("mcp__everything__trigger-long-running-operation: {step}");
        assert!(run.stderr.contains(&line), "{line} shown: {}", run.stderr);
    }
    let result = tool_result(&mock);
    assert!(
        result.contains("Long running operation completed"),
        "{result}"
    );
}

#[test]
fn read_only_tools_of_a_trusted_server_run_without_asking() {
    let trusted = || {
        json!({"mcpServers": {"everything": {
            "command": "node", "args": [bin("mcp-server-everything"), "stdio"], "trust": true
        }}})
        .to_string()
    };
    // get-sum says readOnlyHint: true, and the user trusts the server.
    let mock = one_call("mcp__everything__get-sum", json!({"a": 2, "b": 3}));
    let run = wisp()
        .openai(&mock)
        .mcp_json(&trusted())
        .args(&["-p", "go"])
        .run();
    run.success();
    let result = tool_result(&mock);
    assert!(
        result.contains('5') && !result.starts_with("denied:"),
        "{result}"
    );

    // A tool that changes the server's state still asks, trusted or not.
    let mock = one_call("mcp__everything__toggle-simulated-logging", json!({}));
    let run = wisp()
        .openai(&mock)
        .mcp_json(&trusted())
        .args(&["-p", "go"])
        .run();
    run.success();
    assert!(tool_result(&mock).starts_with("denied:"));
}

fn venv_bin(name: &str) -> String {
    let p = root().join(".cache/venv/bin").join(name);
    assert!(
        p.exists(),
        "{name} is not installed: run tests/support/setup (scripts/test does it)"
    );
    p.display().to_string()
}

#[test]
fn pypi_time_server_lists_and_answers_get_current_time() {
    let mock = one_call(
        "mcp__time__get_current_time",
        json!({"timezone": "Europe/Warsaw"}),
    );
    let cfg = json!({"mcpServers": {"time": {"command": venv_bin("mcp-server-time")}}});
    let run = wisp()
        .openai(&mock)
        .mcp_json(&cfg.to_string())
        .args(&["-p", "--allow", "mcp__time__*", "go"])
        .run();
    run.success();
    let first = &mock.bodies("/v1/chat/completions")[0];
    let names = tool_names(first);
    assert!(
        names.contains(&"mcp__time__convert_time".to_string()),
        "{names:?}"
    );
    let result = tool_result(&mock);
    assert!(
        result.contains("Europe/Warsaw") && result.contains("datetime"),
        "{result}"
    );
}

#[test]
fn pypi_git_server_lists_and_answers_git_status() {
    let repo = tempfile::tempdir().expect("temp repo");
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(repo.path())
            .status()
            .expect("git")
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    std::fs::write(repo.path().join("fresh-file.txt"), "hi").expect("write");
    let path = repo.path().display().to_string();
    let mock = one_call("mcp__git__git_status", json!({"repo_path": path}));
    let cfg = json!({"mcpServers": {"git": {
        "command": venv_bin("mcp-server-git"), "args": ["--repository", path]
    }}});
    let run = wisp()
        .openai(&mock)
        .mcp_json(&cfg.to_string())
        .args(&["-p", "--allow", "mcp__git__*", "go"])
        .run();
    run.success();
    let names = tool_names(&mock.bodies("/v1/chat/completions")[0]);
    assert!(
        names.contains(&"mcp__git__git_log".to_string()),
        "{names:?}"
    );
    let result = tool_result(&mock);
    assert!(result.contains("fresh-file.txt"), "{result}");
}

#[test]
fn images_in_tool_results_reach_the_model() {
    // By turn: in Chat Completions the image follows the tool message as a
    // user message, which `hasToolResult` would read as a new question.
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "go", "turnIndex": 0},
         "response": {"toolCalls": [{"name": "mcp__everything__get-tiny-image", "arguments": {}}]}},
        {"match": {"turnIndex": 1}, "response": {"content": "done"}}
    ]));
    let run = wisp()
        .openai(&mock)
        .mcp_json(&servers(json!({})))
        .args(&["-p", "--allow", "mcp__everything__*", "go"])
        .run();
    run.success();
    let bodies = mock.bodies("/v1/chat/completions");
    let msgs = messages(bodies.last().expect("second request"));
    let tool = msgs
        .iter()
        .position(|m| m["role"] == "tool")
        .expect("tool result");
    assert!(
        msgs[tool]["content"]
            .as_str()
            .unwrap_or("")
            .contains("attached"),
        "{}",
        msgs[tool]
    );
    // The image follows the tool result as a user message image part.
    let image = msgs[tool + 1..]
        .iter()
        .flat_map(|m| m["content"].as_array().cloned().unwrap_or_default())
        .find(|p| p["type"] == "image_url")
        .expect("an image part");
    let url = image["image_url"]["url"].as_str().unwrap_or("");
    assert!(
        url.starts_with("data:image/png;base64,") && url.len() > 40,
        "{url}"
    );
}
