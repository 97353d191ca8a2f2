//! Faults from wisp's other peers and its machine: an MCP server that sends
//! too much, floods or prints garbage; an ACP client that sends garbage, a
//! huge message or hangs up; a disk that fills up; saved output that would
//! fill one; a start through the dynamic loader. Each is one clear line or
//! error, and the session goes on.

mod support;
use support::fake::{Fake, Part, Reply};
use support::wisp;

fn openai(fake: &Fake) -> support::Wisp {
    wisp()
        .env("WISP_PROVIDER", "openai")
        .env("OPENAI_BASE_URL", &fake.url())
        .env("OPENAI_API_KEY", "k")
}

fn sse(parts: Vec<Part>) -> Reply {
    Reply {
        status: 200,
        headers: vec![("content-type".into(), "text/event-stream".into())],
        parts,
    }
}
#[test]
fn acp_garbage_and_a_huge_message_are_answered_and_the_agent_goes_on() {
    use std::io::Write;
    use std::process::Stdio;
    let w = wisp();
    let mut child = w
        .command()
        .arg("acp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wisp acp");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(b"this is not json \xff\n");
        let _ =
            stdin.write_all(br#"{"jsonrpc":"2.0","id":7,"method":"initialize","params":{"pad":""#);
        for _ in 0..9 {
            let _ = stdin.write_all(&vec![b'p'; 1 << 20]);
        }
        let _ = stdin.write_all(b"\"}}\n");
        let _ = stdin.write_all(
            br#"{"jsonrpc":"2.0","id":8,"method":"initialize","params":{"protocolVersion":1,"clientCapabilities":{}}}"#,
        );
        let _ = stdin.write_all(b"\n");
    });
    let out = support::wait_with_timeout(child, std::time::Duration::from_secs(30));
    let _ = writer.join();
    assert_eq!(out.status.code(), Some(0));
    let msgs: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("only JSON-RPC on stdout"))
        .collect();
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    assert_eq!(msgs[0]["error"]["code"], -32700, "{msgs:?}");
    assert_eq!(msgs[1]["id"], 7);
    let why = msgs[1]["error"]["message"].as_str().unwrap_or("");
    assert!(why.contains("8 MiB limit"), "{why}");
    assert_eq!(msgs[2]["id"], 8);
    assert!(msgs[2]["result"]["protocolVersion"].is_number(), "{msgs:?}");
}

/// Runs `-p go` with the hostile MCP server; the model calls `tool` once,
/// then answers "done". Returns the run and the tool result the model got.
fn hostile_mcp_call(tool: &str) -> (support::Run, String) {
    use serde_json::json;
    let mock = support::Aimock::start(json!([
        {"match": {"userMessage": "go", "hasToolResult": false},
         "response": {"toolCalls": [{"name": format!("mcp__hostile__{tool}"), "arguments": {}}]}},
        {"match": {"userMessage": "go", "hasToolResult": true}, "response": {"content": "done"}}
    ]));
    let script = support::root().join("tests/support/mcp/hostile.sh");
    let run = wisp()
        .openai(&mock)
        .mcp_json(&json!({"mcpServers": {"hostile": {"command": script}}}).to_string())
        .args(&["-p", "--allow", "mcp__hostile__*", "go"])
        .run();
    let bodies = mock.bodies("/v1/chat/completions");
    let last = bodies.last().cloned().unwrap_or_default();
    let result = support::messages(&last)
        .iter()
        .rev()
        .find(|m| m["role"] == "tool")
        .and_then(|m| m["content"].as_str().map(str::to_string))
        .unwrap_or_default();
    (run, result)
}

#[test]
fn mcp_answer_over_the_limit_fails_that_call_by_name() {
    let started = std::time::Instant::now();
    let (run, result) = hostile_mcp_call("huge");
    run.success();
    assert!(run.stdout.contains("done"), "{}", run.stdout);
    assert!(result.contains("8 MiB limit"), "{result}");
    // Failed at once from the id at the end of the line, not by the call timeout.
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
}

#[test]
fn mcp_server_flooding_stdout_is_survived() {
    let (run, result) = hostile_mcp_call("flood");
    run.success();
    assert!(result.contains("survived the flood"), "{result}");
    assert!(run.stdout.contains("done"), "{}", run.stdout);
}

#[test]
fn mcp_garbage_mid_call_is_skipped() {
    let (run, result) = hostile_mcp_call("garbage");
    run.success();
    assert!(result.contains("after the garbage"), "{result}");
}

/// A session whose data directory fills up mid-session (a 64 KiB tmpfs in a
/// private mount namespace): one line says so, wisp goes on without saving,
/// and the conversation in memory is whole.
#[test]
fn a_full_disk_mid_session_is_one_line_and_the_conversation_is_kept() {
    use std::process::{Command, Stdio};
    let permitted = Command::new("unshare")
        .args(["-m", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !permitted {
        return support::skip(
            "a_full_disk_mid_session",
            "`unshare -m` is not permitted here, so no private tmpfs can be mounted",
        );
    }
    let big = format!("{}END-OF-TWO", "word ".repeat(30_000));
    let fake = Fake::start(vec![
        Reply::sse_text(&["First answer."]),
        Reply::sse_text(&[&big]),
        Reply::sse_text(&["Third answer."]),
    ]);
    let w = openai(&fake);
    let data = w.home.path().join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    let inner = w.command();
    let mut c = Command::new("unshare");
    c.args(["-m", "sh", "-c"])
        .arg("mount -t tmpfs -o size=64k tmpfs \"$XDG_DATA_HOME\" && exec \"$0\" \"$@\"")
        .arg(inner.get_program())
        .current_dir(&w.project)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    let mut child = c.spawn().expect("start unshare");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"one\ntwo\nthree\n").expect("write stdin");
    }
    let out = support::wait_with_timeout(child, std::time::Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("Third answer."), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].contains("cannot write the session transcript")
            && lines[0].contains("continuing without it"),
        "{stderr}"
    );
    // The third request still carries the answer that could not be saved.
    let requests = fake.requests.lock().expect("log").clone();
    assert_eq!(requests.len(), 3);
    assert!(requests[2].contains("END-OF-TWO"), "conversation kept");
    assert!(requests[2].contains("First answer."));
}

/// Started through the dynamic loader, wisp runs as it would directly (it
/// used to re-execute itself and then choke on the loader's arguments).
#[test]
fn runs_when_started_through_the_dynamic_loader() {
    let loader = std::path::Path::new("/lib64/ld-linux-x86-64.so.2");
    if !loader.exists() {
        return support::skip(
            "dynamic loader start",
            "no /lib64/ld-linux-x86-64.so.2 here",
        );
    }
    let fake = Fake::start(vec![Reply::sse_text(&["Loaded."])]);
    let w = openai(&fake);
    let mut c = w.command();
    let inner = c.get_program().to_owned();
    let mut l = std::process::Command::new(loader);
    l.arg(inner)
        .args(["--plain", "-p", "hi"])
        .current_dir(&w.project);
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => l.env(k, v),
            None => l.env_remove(k),
        };
    }
    let _ = &mut c;
    let out = l.output().expect("run through the loader");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Loaded."), "{stdout}");
}

/// The editor goes away in the middle of a prompt: wisp stops the turn and
/// exits promptly and cleanly instead of streaming to nobody.
#[test]
fn acp_client_disconnecting_mid_prompt_ends_wisp_promptly() {
    use std::io::{BufRead, Write};
    use std::process::Stdio;
    let mut stall = Reply::sse_text(&["Started ", "never finished"]);
    stall.parts.truncate(1);
    stall.parts.push(Part::Sleep(30_000));
    let fake = Fake::start(vec![stall]);
    let w = openai(&fake);
    let mut child = w
        .command()
        .arg("acp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start wisp acp");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut send = |v: serde_json::Value| {
        stdin
            .write_all(format!("{v}\n").as_bytes())
            .expect("write to wisp");
    };
    send(
        serde_json::json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":1,"clientCapabilities":{}}}),
    );
    send(
        serde_json::json!({"jsonrpc":"2.0","id":2,"method":"session/new","params":{"cwd": w.project, "mcpServers": []}}),
    );
    let mut session = None;
    for line in lines.by_ref() {
        let v: serde_json::Value = serde_json::from_str(&line.expect("read")).expect("JSON");
        if v["id"] == 2 {
            session = v["result"]["sessionId"].as_str().map(str::to_string);
            break;
        }
    }
    let session = session.expect("a session");
    send(
        serde_json::json!({"jsonrpc":"2.0","id":3,"method":"session/prompt","params":{"sessionId": session, "prompt":[{"type":"text","text":"hi"}]}}),
    );
    // Wait for the answer to start streaming, then hang up.
    for line in lines.by_ref() {
        if line.expect("read").contains("Started") {
            break;
        }
    }
    drop(stdin);
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break Some(s);
        }
        if started.elapsed().as_secs() > 10 {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let status = status.expect("wisp exited once its client was gone");
    assert_eq!(status.code(), Some(0));
}

/// The model's reply: two `bash` calls that each print 5 MB.
fn two_floods() -> Reply {
    let call = |i: u32| {
        format!(
            "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"tool_calls\":[{{\"index\":{i},\"id\":\"c{i}\",\"type\":\"function\",\"function\":{{\"name\":\"bash\",\"arguments\":\"{{\\\"command\\\":\\\"yes hello | head -c 5000000\\\"}}\"}}}}]}}}}]}}\n\n"
        )
    };
    sse(vec![
        Part::Data(call(0)),
        Part::Data(call(1)),
        Part::Data(
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n"
                .into(),
        ),
    ])
}

#[test]
fn saved_command_output_is_capped_per_command_and_per_session() {
    let fake = Fake::start(vec![two_floods(), Reply::sse_text(&["done"])]);
    // Kept until the end: the saved file lives in its home.
    let w = openai(&fake)
        .config("[limits]\nsaved_output = 100000\nsession_output = 100000\n")
        .args(&["-p", "--yolo", "go"]);
    let run = w.run();
    run.success();
    let requests = fake.requests.lock().expect("log").clone();
    let body: serde_json::Value = serde_json::from_str(&requests[1]).expect("JSON body");
    let results: Vec<String> = support::messages(&body)
        .iter()
        .filter(|m| m["role"] == "tool")
        .filter_map(|m| m["content"].as_str().map(str::to_string))
        .collect();
    assert_eq!(results.len(), 2, "{results:?}");
    // The first is saved with its head and tail, and says so.
    let note = results[0]
        .lines()
        .find(|l| l.starts_with("[the output (5000000 bytes) is saved in "))
        .unwrap_or_else(|| panic!("{}", results[0]));
    assert!(
        note.contains("first and last 50000 bytes only (limits.saved_output)"),
        "{note}"
    );
    let path = note
        .trim_start_matches("[the output (5000000 bytes) is saved in ")
        .split(", its first")
        .next()
        .expect("path");
    let saved = std::fs::read(path).expect("the saved file");
    assert!(saved.len() < 100_200, "{} bytes on disk", saved.len());
    let text = String::from_utf8_lossy(&saved);
    assert!(text.starts_with("hello\nhello\n"));
    assert!(text.contains("bytes omitted: saved output keeps the first and last 50000 bytes"));
    assert!(
        text.ends_with("hello\nhe"),
        "the tail is the end of the output"
    );
    // The second finds the session's budget spent.
    assert!(
        results[1].contains("not saved: this session already saved 100000 bytes of command output (limits.session_output)"),
        "{}",
        results[1]
    );
}
