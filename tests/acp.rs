//! `wisp acp` driven by the official ACP SDK (tests/support/acp_client.mjs)
//! against aimock: every message wisp sends is checked against the SDK's
//! schema, and the update sequence is what an editor would show.

mod support;
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::Duration;
use support::{root, wisp, Aimock, Wisp};

/// What the client saw: every message wisp sent, and the stop reasons.
struct Seen {
    recv: Vec<Value>,
    stops: Vec<String>,
    stdout: String,
}

impl Seen {
    /// The `session/update` payloads, in order.
    fn updates(&self) -> Vec<&Value> {
        self.recv
            .iter()
            .filter(|m| m["method"] == "session/update")
            .map(|m| &m["params"]["update"])
            .collect()
    }

    fn permission_requests(&self) -> Vec<&Value> {
        self.recv
            .iter()
            .filter(|m| m["method"] == "session/request_permission")
            .collect()
    }
}

/// Runs the SDK client with `scenario` against wisp set up by `w`; the client
/// exits non-zero when a message breaks the schema.
fn client(w: &Wisp, scenario: &str, env: &[(&str, &str)]) -> Seen {
    let wc = w.command();
    let mut c = Command::new("node");
    c.arg(root().join("tests/support/acp_client.mjs"))
        .arg(scenario)
        .current_dir(&w.project)
        .env("WISP_BIN", env!("CARGO_BIN_EXE_wisp"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in wc.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    for (k, v) in env {
        c.env(k, v);
    }
    let out = support::wait_with_timeout(c.spawn().expect("node"), Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "client failed (schema error or crash)\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let lines: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    Seen {
        recv: lines
            .iter()
            .filter_map(|l| l.get("recv").cloned())
            .collect(),
        stops: lines
            .iter()
            .filter_map(|l| l["stop"].as_str().map(String::from))
            .collect(),
        stdout,
    }
}

/// A model that calls `tool` for prompt `p`, then answers `ok <p>`.
fn calls(pairs: &[(&str, &str, Value)]) -> Vec<Value> {
    let mut f = Vec::new();
    for (p, tool, args) in pairs {
        f.push(json!({"match": {"userMessage": p, "hasToolResult": false},
                      "response": {"toolCalls": [{"name": tool, "arguments": args}]}}));
        f.push(json!({"match": {"userMessage": p, "hasToolResult": true},
                      "response": {"content": format!("ok {p}")}}));
    }
    f
}

#[test]
fn a_prompt_with_a_tool_round_trip_streams_the_calls_and_the_answer() {
    let mock = Aimock::start(json!(calls(&[(
        "go",
        "read",
        json!({"path": "notes.txt"})
    )])));
    let w = wisp().openai(&mock).file("notes.txt", "hello from notes\n");
    let seen = client(&w, "prompts", &[("ACP_PROMPTS", "go")]);
    assert_eq!(seen.stops, vec!["end_turn"], "{}", seen.stdout);
    let ups = seen.updates();
    let kinds: Vec<&str> = ups
        .iter()
        .map(|u| u["sessionUpdate"].as_str().unwrap_or(""))
        .collect();
    let call = kinds
        .iter()
        .position(|k| *k == "tool_call")
        .expect("tool_call");
    let done = kinds
        .iter()
        .position(|k| *k == "tool_call_update")
        .expect("tool_call_update");
    let answer = kinds
        .iter()
        .position(|k| *k == "agent_message_chunk")
        .expect("answer");
    assert!(call < done && done < answer, "order: {kinds:?}");
    assert_eq!(kinds[0], "available_commands_update");
    let c = ups[call];
    assert_eq!(c["kind"], "read");
    assert_eq!(c["status"], "pending");
    assert_eq!(c["rawInput"]["path"], "notes.txt");
    let loc = c["locations"][0]["path"].as_str().expect("location");
    assert!(loc.ends_with("/notes.txt") && loc.starts_with('/'), "{loc}");
    let d = ups[done];
    assert_eq!(d["toolCallId"], c["toolCallId"]);
    assert_eq!(d["status"], "completed");
    let text = d["content"][0]["content"]["text"].as_str().unwrap_or("");
    assert!(text.contains("hello from notes"), "{text}");
    assert_eq!(ups[answer]["content"]["text"], "ok go");
    // Nothing was asked: reads run in standard mode.
    assert!(seen.permission_requests().is_empty());
}

#[test]
fn permissions_ask_the_editor_and_always_is_remembered() {
    let mock = Aimock::start(json!(calls(&[
        ("p1", "bash", json!({"command": "touch one.txt"})),
        ("p2", "bash", json!({"command": "touch two.txt"})),
        ("p3", "bash", json!({"command": "touch three.txt"})),
        ("p4", "bash", json!({"command": "touch three.txt"})),
    ])));
    let w = wisp().openai(&mock);
    let seen = client(
        &w,
        "prompts",
        &[
            ("ACP_PROMPTS", "p1|p2|p3|p4"),
            ("ACP_ANSWERS", "allow_once,reject_once,allow_always"),
        ],
    );
    assert_eq!(seen.stops, vec!["end_turn"; 4], "{}", seen.stdout);
    assert!(w.path("one.txt").exists(), "allowed once: ran");
    assert!(!w.path("two.txt").exists(), "rejected: did not run");
    assert!(w.path("three.txt").exists(), "allowed always: ran");
    let asks = seen.permission_requests();
    assert_eq!(asks.len(), 3, "the fourth call is not asked again");
    let kinds: Vec<&Value> = asks[0]["params"]["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| &o["kind"])
        .collect();
    assert_eq!(
        kinds,
        vec!["allow_once", "allow_always", "reject_once", "reject_always"]
    );
    assert_eq!(asks[0]["params"]["toolCall"]["kind"], "execute");
    // The rejected call failed and the model was told.
    let failed = seen
        .updates()
        .into_iter()
        .filter(|u| u["status"] == "failed")
        .count();
    assert_eq!(failed, 1);
    let bodies = mock.bodies("/v1/chat/completions");
    let told = bodies
        .iter()
        .any(|b| b.to_string().contains("denied by user"));
    assert!(told, "the model reads the denial");
}

#[test]
fn set_mode_changes_what_asks() {
    // accept-edits: a write runs without asking; restrictive: even a read asks.
    let mock = Aimock::start(json!(calls(&[(
        "w",
        "write",
        json!({"path": "new.txt", "content": "hi\n"})
    )])));
    let w = wisp().openai(&mock);
    let seen = client(
        &w,
        "prompts",
        &[("ACP_PROMPTS", "w"), ("ACP_MODE", "accept-edits")],
    );
    assert!(seen.permission_requests().is_empty());
    assert!(w.path("new.txt").exists());
    let modes: Vec<&Value> = seen
        .updates()
        .into_iter()
        .filter(|u| u["sessionUpdate"] == "current_mode_update")
        .collect();
    assert_eq!(modes[0]["currentModeId"], "accept-edits");

    let mock = Aimock::start(json!(calls(&[("r", "read", json!({"path": "a.txt"}))])));
    let w = wisp().openai(&mock).file("a.txt", "x\n");
    let seen = client(
        &w,
        "prompts",
        &[
            ("ACP_PROMPTS", "r"),
            ("ACP_MODE", "restrictive"),
            ("ACP_ANSWERS", "reject_once"),
        ],
    );
    assert_eq!(seen.permission_requests().len(), 1, "{}", seen.stdout);

    // A slash command typed into the prompt switches too.
    let w = wisp().openai(&mock).file("a.txt", "x\n");
    let seen = client(
        &w,
        "prompts",
        &[
            ("ACP_PROMPTS", "/mode restrictive|r"),
            ("ACP_ANSWERS", "reject_once"),
        ],
    );
    assert_eq!(seen.permission_requests().len(), 1, "{}", seen.stdout);
}

#[test]
fn cancel_mid_stream_returns_cancelled() {
    let long = "word ".repeat(200);
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "talk"}, "response": {"content": long},
         "streamingProfile": {"ttft": 50, "tps": 5}}
    ]));
    let w = wisp().openai(&mock);
    let start = std::time::Instant::now();
    let seen = client(&w, "cancel", &[("ACP_PROMPTS", "talk")]);
    assert_eq!(seen.stops, vec!["cancelled"], "{}", seen.stdout);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "cancel is prompt, not the end of a 40 s stream"
    );
}

#[test]
fn string_ids_garbage_lines_and_too_broad_cwds_are_handled() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "hi"}, "response": {"content": "hello"}}
    ]));
    let w = wisp().openai(&mock);
    let seen = client(&w, "raw", &[("ACP_PROMPTS", "hi")]);
    let parse_error = seen
        .recv
        .iter()
        .find(|m| m["error"]["code"] == -32700)
        .expect("-32700 for the garbage line");
    assert_eq!(parse_error["id"], Value::Null);
    assert!(seen.recv.iter().any(|m| m["id"] == "init-1"));
    assert_eq!(seen.stops, vec!["end_turn"], "still working after garbage");
    let chunk = seen
        .updates()
        .into_iter()
        .find(|u| u["sessionUpdate"] == "agent_message_chunk")
        .map(|u| u["content"]["text"].clone());
    assert_eq!(chunk, Some(json!("hello")));
    // A relative cwd, "/" and the home directory itself would make the workspace boundary
    // cover far more than a project: each is refused with an invalid-params error.
    let refused: Vec<Value> = seen
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l.get("badCwd").is_some())
        .collect();
    assert_eq!(refused.len(), 3, "{}", seen.stdout);
    for r in &refused {
        assert_eq!(r["error"]["code"], -32602, "{r}");
    }
    assert!(refused[0]["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("absolute")));
    let bodies = mock.bodies("/v1/chat/completions");
    let system = bodies[0]["messages"][0]["content"].to_string();
    let project = std::fs::canonicalize(&w.project).expect("canon");
    assert!(system.contains(&project.display().to_string()), "{system}");
}

#[test]
fn unknown_methods_and_bad_params_get_json_rpc_errors() {
    let w = wisp();
    let lines = [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":1}}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"session/frobnicate","params":{}}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"session/new","params":{"mcpServers":[]}}"#,
        r#"{"jsonrpc":"2.0","id":4,"method":"session/prompt","params":{"sessionId":"nope","prompt":[]}}"#,
    ];
    let run = w.args(&["acp"]).stdin(&(lines.join("\n") + "\n")).run();
    run.success();
    let out: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("only JSON on stdout"))
        .collect();
    let code = |id: i64| {
        out.iter()
            .find(|m| m["id"] == id)
            .map(|m| m["error"]["code"].clone())
    };
    assert_eq!(code(2), Some(json!(-32601)));
    assert_eq!(code(3), Some(json!(-32602)));
    assert_eq!(code(4), Some(json!(-32602)));
}

#[test]
fn a_saved_session_loads_in_a_new_process_replays_and_continues() {
    let mut fixtures = calls(&[("first", "read", json!({"path": "notes.txt"}))]);
    fixtures.push(json!({"match": {"userMessage": "second"}, "response": {"content": "again"}}));
    let mock = Aimock::start(json!(fixtures));
    let w = wisp().openai(&mock).file("notes.txt", "hello from notes\n");
    let seen = client(&w, "prompts", &[("ACP_PROMPTS", "first")]);
    let id = seen
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find_map(|l| l["session"].as_str().map(String::from))
        .expect("session id");
    // The ACP id is the transcript's: a fresh process (same HOME) finds it.
    let seen = client(
        &w,
        "prompts",
        &[("ACP_PROMPTS", "second"), ("ACP_LOAD", id.as_str())],
    );
    assert_eq!(seen.stops, vec!["end_turn"], "{}", seen.stdout);
    assert!(
        seen.stdout.contains(&format!("\"sessionId\":\"{id}\""))
            && seen.stdout.contains("\"list\""),
        "session/list names it: {}",
        seen.stdout
    );
    let ups = seen.updates();
    let kinds: Vec<&str> = ups
        .iter()
        .map(|u| u["sessionUpdate"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        &kinds[..4],
        [
            "user_message_chunk",
            "tool_call",
            "tool_call_update",
            "agent_message_chunk"
        ],
        "{kinds:?}"
    );
    assert_eq!(ups[0]["content"]["text"], "first");
    assert_eq!(ups[1]["kind"], "read");
    assert_eq!(ups[2]["status"], "completed");
    assert!(ups[2]["content"][0]["content"]["text"]
        .as_str()
        .unwrap_or("")
        .contains("hello from notes"));
    assert_eq!(ups[3]["content"]["text"], "ok first");
    // The next prompt carries the earlier conversation to the model.
    let bodies = mock.bodies("/v1/chat/completions");
    let last = bodies.last().expect("a request").to_string();
    assert!(
        last.contains("hello from notes") && last.contains("ok first") && last.contains("second"),
        "{last}"
    );
}

#[test]
fn library_prompts_are_listed_and_run_from_the_editor_prompt() {
    let mock = Aimock::start(json!(calls(&[
        ("Shout about cats", "read", json!({"path": "a.txt"})),
        ("after", "read", json!({"path": "a.txt"})),
    ])));
    let w = wisp().openai(&mock).file("a.txt", "x\n").file(
        ".wisp/prompts/shout.md",
        "---\nname: shout\ndescription: Shout about a topic\nmode: restrictive\narguments: TOPIC\n---\nShout about $ARGUMENTS loudly\n",
    );
    let seen = client(
        &w,
        "prompts",
        &[
            ("ACP_PROMPTS", "/shout cats|after"),
            ("ACP_ANSWERS", "reject_once"),
        ],
    );
    assert_eq!(seen.stops, vec!["end_turn"; 2], "{}", seen.stdout);
    let cmds = seen
        .updates()
        .into_iter()
        .find(|u| u["sessionUpdate"] == "available_commands_update")
        .map(|u| u["availableCommands"].clone())
        .expect("commands");
    let named = |n: &str| {
        cmds.as_array()
            .and_then(|a| a.iter().find(|c| c["name"] == n))
            .cloned()
    };
    let shout = named("shout").expect("the project prompt is listed");
    assert_eq!(shout["description"], "Shout about a topic");
    assert_eq!(shout["input"]["hint"], "TOPIC");
    assert!(named("review").is_some(), "built-in prompts too");
    assert!(named("mode").is_some(), "and the slash commands");
    // The prompt's body (with its argument) went to the model, in its mode:
    // restrictive asks even for a read; the next prompt is back to standard.
    let bodies = mock.bodies("/v1/chat/completions");
    assert!(bodies[0].to_string().contains("Shout about cats loudly"));
    assert_eq!(seen.permission_requests().len(), 1, "{}", seen.stdout);
}

#[test]
fn update_plan_calls_become_plan_updates() {
    let items = json!({"items": [
        {"text": "read the code", "done": true},
        {"text": "write the fix"},
    ]});
    let mock = Aimock::start(json!(calls(&[("plan it", "update_plan", items)])));
    let w = wisp().openai(&mock);
    let seen = client(&w, "prompts", &[("ACP_PROMPTS", "plan it")]);
    assert_eq!(seen.stops, vec!["end_turn"], "{}", seen.stdout);
    let plan = seen
        .updates()
        .into_iter()
        .find(|u| u["sessionUpdate"] == "plan")
        .cloned()
        .expect("a plan update");
    assert_eq!(
        plan["entries"],
        json!([
            {"content": "read the code", "status": "completed", "priority": "medium"},
            {"content": "write the fix", "status": "pending", "priority": "medium"},
        ])
    );
    assert!(
        w.path("PLAN.md").exists(),
        "the plan file is written as well"
    );
}

/// The client's printed lines with key `k`.
fn printed(seen: &Seen, k: &str) -> Vec<Value> {
    seen.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|l| l.get(k).cloned())
        .collect()
}

#[test]
fn an_editor_with_fs_and_terminals_does_the_tools_work() {
    let mock = Aimock::start(json!(calls(&[
        ("r", "read", json!({"path": "notes.txt"})),
        ("w", "write", json!({"path": "out.txt", "content": "new\n"})),
        (
            "e",
            "edit",
            json!({"path": "notes.txt", "old_string": "unsaved", "new_string": "edited"})
        ),
        ("b", "bash", json!({"command": "echo from disk > ran.txt"})),
    ])));
    let w = wisp().openai(&mock).file("notes.txt", "saved on disk\n");
    let seen = client(
        &w,
        "prompts",
        &[
            ("ACP_PROMPTS", "r|w|e|b"),
            ("ACP_MODE", "standard"),
            ("ACP_ANSWERS", "allow_once,allow_once,allow_once"),
            ("ACP_CAPS", "fs,terminal"),
            ("ACP_BUFFER", "notes.txt=unsaved buffer\\n"),
        ],
    );
    assert_eq!(seen.stops, vec!["end_turn"; 4], "{}", seen.stdout);
    let results: Vec<String> = seen
        .updates()
        .into_iter()
        .filter(|u| u["sessionUpdate"] == "tool_call_update" && u["status"] != "in_progress")
        .map(|u| {
            u["content"][0]["content"]["text"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    // read: the editor's unsaved buffer, not the disk.
    assert!(results[0].contains("unsaved buffer"), "{results:?}");
    // write and edit land in the editor, not on disk.
    let writes = printed(&seen, "clientWrite");
    assert_eq!(writes.len(), 2, "{}", seen.stdout);
    assert!(writes[0]["path"]
        .as_str()
        .unwrap_or("")
        .ends_with("/out.txt"));
    assert_eq!(writes[0]["content"], "new\n");
    assert_eq!(writes[1]["content"], "edited buffer\n");
    assert!(!w.path("out.txt").exists());
    assert_eq!(
        std::fs::read_to_string(w.path("notes.txt")).expect("notes"),
        "saved on disk\n"
    );
    // bash: run by the editor's terminal, which the tool call embeds.
    assert!(!w.path("ran.txt").exists(), "wisp did not run it itself");
    assert!(
        results[3].contains("from the editor's terminal") && results[3].contains("exit code: 3"),
        "{results:?}"
    );
    let term: Vec<Value> = printed(&seen, "terminal");
    assert_eq!(
        term,
        vec![
            json!("create"),
            json!("wait_for_exit"),
            json!("output"),
            json!("release")
        ]
    );
    let embeds = seen
        .updates()
        .into_iter()
        .filter(|u| {
            u["content"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|x| x["type"] == "terminal" && x["terminalId"] == "term-1")
            })
        })
        .count();
    assert_eq!(embeds, 2, "while running and when done");
}

#[test]
fn without_client_capabilities_wisp_uses_the_disk() {
    let mock = Aimock::start(json!(calls(&[(
        "w",
        "write",
        json!({"path": "out.txt", "content": "new\n"})
    )])));
    let w = wisp().openai(&mock);
    let seen = client(
        &w,
        "prompts",
        &[("ACP_PROMPTS", "w"), ("ACP_ANSWERS", "allow_once")],
    );
    assert_eq!(seen.stops, vec!["end_turn"], "{}", seen.stdout);
    assert!(printed(&seen, "clientWrite").is_empty());
    assert_eq!(
        std::fs::read_to_string(w.path("out.txt")).expect("on disk"),
        "new\n"
    );
}

#[test]
fn mcp_servers_named_by_the_editor_serve_the_session() {
    let mock = Aimock::start(json!(calls(&[(
        "add them",
        "mcp__everything__get-sum",
        json!({"a": 2, "b": 3})
    )])));
    let w = wisp().openai(&mock);
    let server = root().join(".cache/npm/node_modules/.bin/mcp-server-everything");
    let servers = json!([{"name": "everything", "command": "node",
                          "args": [server.display().to_string(), "stdio"], "env": []}]);
    let seen = client(
        &w,
        "prompts",
        &[
            ("ACP_PROMPTS", "add them"),
            ("ACP_ANSWERS", "allow_once"),
            ("ACP_MCP", &servers.to_string()),
        ],
    );
    assert_eq!(seen.stops, vec!["end_turn"], "{}", seen.stdout);
    // MCP calls ask the editor like any other call that needs approval.
    assert_eq!(seen.permission_requests().len(), 1, "{}", seen.stdout);
    let bodies = mock.bodies("/v1/chat/completions");
    let tools = bodies[0]["tools"].to_string();
    assert!(tools.contains("mcp__everything__get-sum"), "{tools}");
    let msgs = support::messages(bodies.last().expect("second request"));
    let result = msgs
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("tool result");
    assert!(
        result["content"].as_str().unwrap_or("").contains('5'),
        "{result}"
    );
}

#[test]
fn usage_updates_report_the_context_and_the_cost() {
    let mock = Aimock::start(json!(calls(&[(
        "go",
        "read",
        json!({"path": "notes.txt"})
    )])));
    let w = wisp()
        .openai(&mock)
        .file("notes.txt", "hello\n")
        .config("context_window = 1000\n[prices.\"test-model\"]\ninput = 1.0\noutput = 2.0\n");
    let seen = client(&w, "prompts", &[("ACP_PROMPTS", "go")]);
    assert_eq!(seen.stops, vec!["end_turn"], "{}", seen.stdout);
    let usage: Vec<&Value> = seen
        .updates()
        .into_iter()
        .filter(|u| u["sessionUpdate"] == "usage_update")
        .collect();
    // One per model call: the tool call, then the answer.
    assert_eq!(usage.len(), 2, "{}", seen.stdout);
    let used: Vec<u64> = usage
        .iter()
        .map(|u| u["used"].as_u64().unwrap_or(0))
        .collect();
    // aimock's token counts are its own estimates: only their presence is checked.
    assert!(used.iter().all(|u| *u > 0), "{used:?}");
    assert!(usage.iter().all(|u| u["size"] == 1000));
    let cost: Vec<f64> = usage
        .iter()
        .map(|u| u["cost"]["amount"].as_f64().unwrap_or(-1.0))
        .collect();
    assert!(cost[0] > 0.0 && cost[1] > cost[0], "cumulative: {cost:?}");
    assert_eq!(usage[1]["cost"]["currency"], "USD");
}

#[test]
fn a_subagents_tool_calls_are_updates_of_the_task_call() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "survey", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "task", "arguments": {"description": "find it", "prompt": "find alpha"}}]}},
        {"match": {"userMessage": "survey", "hasToolResult": true}, "response": {"content": "found"}},
        {"match": {"userMessage": "find alpha", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "grep", "arguments": {"pattern": "alpha"}}]}},
        {"match": {"userMessage": "find alpha", "hasToolResult": true},
         "response": {"content": "alpha is in a.txt"}}
    ]));
    let w = wisp().openai(&mock).file("a.txt", "alpha\n");
    let seen = client(&w, "prompts", &[("ACP_PROMPTS", "survey")]);
    assert_eq!(seen.stops, vec!["end_turn"], "{}", seen.stdout);
    let ups = seen.updates();
    let calls: Vec<&&Value> = ups
        .iter()
        .filter(|u| u["sessionUpdate"] == "tool_call")
        .collect();
    assert_eq!(
        calls.len(),
        1,
        "only the task call is a tool call: {calls:#?}"
    );
    let id = &calls[0]["toolCallId"];
    assert_eq!(
        calls[0]["title"].as_str().map(|t| t.contains("task")),
        Some(true)
    );
    let progress = ups
        .iter()
        .find(|u| u["sessionUpdate"] == "tool_call_update" && u["status"] == "in_progress")
        .expect("the child's grep as progress of the task call");
    assert_eq!(&progress["toolCallId"], id);
    let text = progress["content"][0]["content"]["text"]
        .as_str()
        .unwrap_or("");
    assert!(
        text.contains("explore#1") && text.contains("grep"),
        "{text}"
    );
    let done = ups
        .iter()
        .find(|u| u["sessionUpdate"] == "tool_call_update" && u["status"] == "completed")
        .expect("task finished");
    assert_eq!(&done["toolCallId"], id);
    let text = done["content"][0]["content"]["text"].as_str().unwrap_or("");
    assert!(text.starts_with("alpha is in a.txt"), "{text}");
}
