//! Background commands end to end: `bash {run_in_background}` starts a real
//! server, a foreground command talks to it, `bash_output` reads its log,
//! `kill_shell` (or `/kill`, or wisp exiting) leaves no process of its group.

mod support;
use serde_json::json;
use support::{messages, wisp, Aimock};

/// The text of every tool result wisp sent back, in order.
fn tool_results(mock: &Aimock) -> Vec<String> {
    let bodies = mock.bodies("/v1/chat/completions");
    let last = bodies.last().expect("a request");
    messages(last)
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| m["content"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Whether any process is in process group `pgid` (from /proc).
fn group_alive(pgid: i32) -> bool {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .any(|stat| {
            // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after ')'.
            let rest = stat.rsplit_once(')').map(|r| r.1).unwrap_or("");
            let fields: Vec<&str> = rest.split_whitespace().collect();
            fields.get(2).and_then(|p| p.parse::<i32>().ok()) == Some(pgid)
                && fields.first() != Some(&"Z")
        })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn read_pgid(path: &std::path::Path) -> i32 {
    for _ in 0..100 {
        if let Some(n) = std::fs::read_to_string(path)
            .ok()
            .and_then(|s| s.trim().parse().ok())
        {
            return n;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the background command never wrote its pid");
}

const PROBE: &str = r#"import sys, time, urllib.request
for _ in range(100):
    try:
        print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())
        break
    except OSError:
        time.sleep(0.1)
"#;

/// Waits up to 3 s for the group to be gone (a killed process takes a moment).
fn group_gone(pgid: i32) -> bool {
    for _ in 0..60 {
        if !group_alive(pgid) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    false
}

#[test]
fn a_background_server_is_called_read_and_killed() {
    let port = free_port();
    let serve =
        format!("echo $$ > pid.txt; exec python3 -u -m http.server {port} --bind 127.0.0.1");
    let probe = format!("python3 probe.py http://127.0.0.1:{port}/marker.txt");
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "serve", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": serve, "run_in_background": true}}]}},
        {"match": {"toolResultContains": "started in the background with id bg1"},
         "response": {"toolCalls": [{"name": "bash", "arguments": {"command": probe}}]}},
        {"match": {"toolResultContains": "hello-from-file"},
         "response": {"toolCalls": [{"name": "bash_output", "arguments": {"id": "bg1", "filter": "GET /"}}]}},
        {"match": {"toolResultContains": "status: running"},
         "response": {"toolCalls": [{"name": "kill_shell", "arguments": {"id": "bg1"}}]}},
        {"match": {"toolResultContains": "stopped bg1"}, "response": {"content": "all done"}}
    ]));
    let w = wisp()
        .openai(&mock)
        .file("marker.txt", "hello-from-file\n")
        .file("probe.py", PROBE)
        // A server needs sockets, which the sandbox refuses unless the user allows them.
        .config("[sandbox]\nnetwork = true\n")
        .args(&["-p", "--yolo", "serve"]);
    let run = w.run();
    run.success();
    assert!(run.stdout.contains("all done"), "{}", run.stdout);
    let results = tool_results(&mock);
    assert_eq!(results.len(), 4, "{results:#?}");
    assert!(results[0].contains("id bg1"), "{}", results[0]);
    assert!(results[1].contains("hello-from-file"), "{}", results[1]);
    // The server's own request log, filtered to the request lines.
    assert!(
        results[2].contains("\"GET /marker.txt HTTP/1.1\" 200"),
        "{}",
        results[2]
    );
    assert!(
        !results[2].contains("Serving HTTP"),
        "filtered out: {}",
        results[2]
    );
    assert!(results[2].contains("status: running"), "{}", results[2]);
    assert!(results[3].contains("stopped bg1"), "{}", results[3]);
    let pgid = read_pgid(&w.path("pid.txt"));
    assert!(group_gone(pgid), "a process of the killed group is left");
    // Nothing listens on the port any more.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn jobs_lists_kill_stops_and_exit_leaves_nothing() {
    // Two jobs, each starting a grandchild in the same group.
    let cmd = |n: &str| format!("echo $$ > {n}.pid; sleep 300 & sleep 300");
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "start", "hasToolResult": false},
         "response": {"toolCalls": [
            {"name": "bash", "arguments": {"command": cmd("one"), "run_in_background": true}},
            {"name": "bash", "arguments": {"command": cmd("two"), "run_in_background": true}}
         ]}},
        {"match": {"userMessage": "start", "hasToolResult": true}, "response": {"content": "started both"}}
    ]));
    let w = wisp()
        .openai(&mock)
        .args(&["--yolo"])
        .stdin("start\n/jobs\n/kill bg1\n/jobs\n/kill bg9\n");
    let run = w.run();
    run.success();
    let one = read_pgid(&w.path("one.pid"));
    let two = read_pgid(&w.path("two.pid"));
    let out = &run.stdout;
    let first = out.find("bg1   running").expect(out);
    assert!(out[first..].contains("bg2   running"), "{out}");
    assert!(out.contains("stopped bg1"), "{out}");
    assert!(out.contains("stopped by kill_shell"), "{out}");
    assert!(
        run.stderr.contains("no background command `bg9`"),
        "{}",
        run.stderr
    );
    assert!(group_gone(one), "/kill left a process of bg1");
    assert!(group_gone(two), "wisp exited and left bg2 running");
}

#[test]
fn max_background_is_enforced() {
    let call =
        json!({"name": "bash", "arguments": {"command": "sleep 30", "run_in_background": true}});
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "go", "hasToolResult": false},
         "response": {"toolCalls": [call.clone(), call]}},
        {"match": {"userMessage": "go", "hasToolResult": true}, "response": {"content": "ok"}}
    ]));
    let w = wisp()
        .openai(&mock)
        .config("max_background = 1\n")
        .args(&["-p", "--yolo", "go"]);
    w.run().success();
    let results = tool_results(&mock);
    assert!(results[0].contains("id bg1"), "{}", results[0]);
    assert!(results[1].contains("max_background"), "{}", results[1]);
}
