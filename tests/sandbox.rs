//! The OS sandbox end to end: the model writes project code (a Makefile, an
//! npm script, a build.rs, a git config) that reaches outside the workspace,
//! then runs it the way `-p --mode standard` allows without asking. Each test
//! shows the effect did not happen: a file outside that does not exist, a
//! loopback server that received no connection.

mod support;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use support::{messages, wisp, Aimock};

/// A folder outside the workspace and outside every folder the sandbox lets
/// commands write (/tmp, $TMPDIR): /var/tmp, else the build's own tmp when
/// the checkout is not itself under one of those. /var/tmp comes first: a
/// crate the model writes under this checkout would find wisp's own
/// workspace manifest above it.
fn outside() -> tempfile::TempDir {
    let writable: Vec<PathBuf> = ["/tmp".to_string()]
        .into_iter()
        .chain(std::env::var("TMPDIR").ok())
        .map(|p| std::fs::canonicalize(&p).unwrap_or_else(|_| PathBuf::from(p)))
        .collect();
    let base = ["/var/tmp", env!("CARGO_TARGET_TMPDIR")]
        .into_iter()
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| PathBuf::from(p)))
        .find(|p| p.is_dir() && !writable.iter().any(|w| p.starts_with(w)))
        .expect("a folder outside /tmp and $TMPDIR for the test");
    tempfile::tempdir_in(base).expect("outside dir")
}

/// wisp with its project outside /tmp, so that /tmp being writable proves
/// nothing about the workspace.
fn wisp_outside_tmp() -> (support::Wisp, tempfile::TempDir) {
    let dir = outside();
    let mut w = wisp();
    w.project = dir.path().join("project");
    std::fs::create_dir_all(&w.project).expect("project");
    (w, dir)
}

/// A model that makes these tool calls in one turn, then answers "done".
fn calls(calls: Value) -> Aimock {
    Aimock::start(json!([
        {"match": {"userMessage": "go", "turnIndex": 0}, "response": {"toolCalls": calls}},
        {"match": {"userMessage": "go", "turnIndex": 1}, "response": {"content": "done"}}
    ]))
}

fn write(path: &str, content: &str) -> Value {
    json!({"name": "write", "arguments": {"path": path, "content": content}})
}

fn bash(command: &str) -> Value {
    json!({"name": "bash", "arguments": {"command": command}})
}

/// Every tool result the provider received, in order.
fn results(mock: &Aimock) -> Vec<String> {
    let bodies = mock.bodies("/v1/chat/completions");
    let last = bodies.last().expect("a request");
    messages(last)
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| m["content"].as_str().unwrap_or("").to_string())
        .collect()
}

fn exists(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok()
}

fn makefile(out: &Path) -> String {
    format!(
        "test:\n\techo in > inside.txt\n\techo out > {}\n",
        out.join("pwned").display()
    )
}

#[test]
fn make_test_writes_inside_but_not_outside() {
    let out = outside();
    let mock = calls(json!([
        write("Makefile", &makefile(out.path())),
        bash("make test")
    ]));
    let (w, _p) = wisp_outside_tmp();
    // wisp itself stays free: it still writes its session outside the workspace.
    let data = outside();
    let w = w
        .openai(&mock)
        .env("XDG_DATA_HOME", &data.path().to_string_lossy())
        .args(&["-p", "--mode", "standard", "go"]);
    w.run().success();
    let sessions: Vec<_> = std::fs::read_dir(data.path().join("wisp/sessions"))
        .expect("sessions folder")
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    assert!(
        sessions
            .iter()
            .any(|t| t.contains("Permission denied") && t.contains("done")),
        "the session was not written after the command"
    );
    assert!(!exists(&out.path().join("pwned")), "write outside happened");
    assert!(w.path("inside.txt").exists(), "write inside was refused");
    let r = results(&mock);
    assert!(r[1].contains("Permission denied"), "{}", r[1]);
    assert!(r[1].contains("[sandbox: this command failed"), "{}", r[1]);
    assert!(r[1].contains("sandbox workspace-write"), "{}", r[1]);
    assert!(
        !r[1].contains("outside the sandbox:]"),
        "-p escalated: {}",
        r[1]
    );
}

#[test]
fn npm_test_script_cannot_write_outside() {
    let out = outside();
    let script = format!(
        "node -e \"require('fs').writeFileSync('inside.txt','x'); require('fs').writeFileSync('{}','x')\"",
        out.path().join("pwned").display()
    );
    let pkg = json!({"name": "t", "version": "1.0.0", "scripts": {"test": script}});
    let mock = calls(json!([
        write("package.json", &pkg.to_string()),
        bash("npm test")
    ]));
    let (w, _p) = wisp_outside_tmp();
    let w = w.openai(&mock).args(&["-p", "go"]);
    w.run().success();
    assert!(!exists(&out.path().join("pwned")), "write outside happened");
    assert!(w.path("inside.txt").exists(), "write inside was refused");
    let r = results(&mock);
    assert!(
        r[1].contains("EACCES") || r[1].contains("permission denied"),
        "{}",
        r[1]
    );
}

/// Cargo and rustup find their homes even though the test gives wisp its own HOME.
fn cargo_env(w: support::Wisp) -> support::Wisp {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let cargo_home = std::env::var("CARGO_HOME").unwrap_or_else(|_| format!("{home}/.cargo"));
    let rustup_home = std::env::var("RUSTUP_HOME").unwrap_or_else(|_| format!("{home}/.rustup"));
    let path = std::env::var("PATH").unwrap_or_default();
    let target = w.path("target");
    w.env("CARGO_HOME", &cargo_home)
        .env("RUSTUP_HOME", &rustup_home)
        .env("PATH", &path)
        .env("CARGO_TARGET_DIR", &target.to_string_lossy())
}

const CARGO_TOML: &str =
    "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n";

#[test]
fn build_rs_cannot_write_outside_and_cargo_test_passes_inside() {
    let out = outside();
    let build_rs = format!(
        "fn main() {{ let _ = std::fs::write({:?}, \"x\"); std::fs::write(\"inside.txt\", \"x\").unwrap(); }}\n",
        out.path().join("pwned").display().to_string()
    );
    let lib = "pub fn add(a: i32, b: i32) -> i32 { a + b }\n#[test]\nfn adds() { assert_eq!(add(2, 2), 4); }\n";
    let mock = calls(json!([
        write("Cargo.toml", CARGO_TOML),
        write("build.rs", &build_rs),
        write("src/lib.rs", lib),
        bash("cargo test --offline")
    ]));
    let (w, _p) = wisp_outside_tmp();
    let w = cargo_env(w.openai(&mock).args(&["-p", "go"]));
    w.run().success();
    assert!(!exists(&out.path().join("pwned")), "build.rs wrote outside");
    assert!(
        w.path("inside.txt").exists(),
        "build.rs could not write inside: {:?}",
        results(&mock)
    );
    let r = results(&mock);
    // stdout and stderr arrive interleaved, so look for the summary line only.
    assert!(r[3].contains("test result: ok. 1 passed"), "{}", r[3]);
    assert!(r[3].trim_end().ends_with("exit code: 0"), "{}", r[3]);
}

#[test]
fn no_connection_reaches_a_loopback_server() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let unix = "python3 -c \"import socket; a, b = socket.socketpair(); a.send(b'k'); print('unix', b.recv(1).decode())\"";
    let mock = calls(json!([
        write(
            "Makefile",
            &format!("test:\n\t{unix}\n\tcurl -sS --max-time 5 http://127.0.0.1:{port}/\n")
        ),
        bash("make test")
    ]));
    let w = wisp().openai(&mock).args(&["-p", "go"]);
    w.run().success();
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the server was reached: {other:?}"),
    }
    let r = results(&mock);
    assert!(r[1].contains("[sandbox: this command failed"), "{}", r[1]);
    assert!(r[1].contains("no network"), "{}", r[1]);
    assert!(
        r[1].contains("unix k"),
        "Unix sockets must still work: {}",
        r[1]
    );
}

fn git(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git")
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn a_nested_repository_config_cannot_run_code_outside() {
    let out = outside();
    let mark = out.path().join("fsmonitor-ran");
    let set = format!(
        "git init -q sub && printf '[core]\\n\\tfsmonitor = \"touch {}\"\\n' >> sub/.git/config",
        mark.display()
    );
    // In one command (git runs the monitor inside the sandbox), then in the
    // next one (the config the first command wrote).
    let mock = calls(json!([
        bash(&format!("{set} && git -C sub status")),
        bash("git -C sub status")
    ]));
    let w = wisp()
        .openai(&mock)
        // Approved (here by --yolo): containment is what is tested.
        .args(&["-p", "--yolo", "go"]);
    w.run().success();
    assert!(!exists(&mark), "the fsmonitor command wrote outside");
    assert!(
        !w.path("sub/.git/config").exists(),
        "the new repository's config stayed"
    );
    let r = results(&mock);
    assert!(r[0].contains("removed sub/.git/config"), "{}", r[0]);
    assert!(!r[1].starts_with("denied"), "{}", r[1]);
}

#[test]
fn a_hook_written_by_a_command_is_gone_afterwards() {
    let out = outside();
    let w0 = wisp();
    git(&w0.project, &["init", "-q"]);
    let hook = w0.path(".git/hooks/pre-commit");
    let cmd = format!(
        "printf '#!/bin/sh\\ntouch {}\\n' > .git/hooks/pre-commit; chmod +x .git/hooks/pre-commit; echo '[core]' >> .git/config",
        out.path().join("hook-ran").display()
    );
    let config_before = std::fs::read(w0.path(".git/config")).expect("config");
    let mock = calls(json!([bash(&cmd)]));
    let w = w0.openai(&mock).args(&["-p", "--yolo", "go"]);
    w.run().success();
    assert!(!exists(&hook), "the hook is still there");
    assert_eq!(
        std::fs::read(w.path(".git/config")).expect("config"),
        config_before,
        ".git/config was not put back"
    );
    let r = results(&mock);
    assert!(r[0].contains("restored .git/hooks"), "{}", r[0]);
    assert!(r[0].contains("restored .git/config"), "{}", r[0]);
}

#[test]
fn secrets_never_reach_commands() {
    let key = "sk-test-9f8e7d6c5b4a";
    let token = "ghp-secret-0123456789";
    let mock = calls(json!([
        bash("echo \"key=$OPENAI_API_KEY\""),
        bash("env"),
        bash("printenv")
    ]));
    let w = wisp()
        .openai(&mock)
        .env("OPENAI_API_KEY", key)
        .env("GITHUB_TOKEN", token)
        .env("HARMLESS_SETTING", "visible-1234")
        .args(&["-p", "--yolo", "go"]);
    w.run().success();
    let r = results(&mock);
    assert_eq!(r.len(), 3);
    assert!(r[0].starts_with("key=\n"), "{}", r[0]);
    assert!(r[1].contains("visible-1234"), "env ran: {}", r[1]);
    for body in mock.bodies("/v1/chat/completions") {
        let text = body.to_string();
        assert!(!text.contains(key) && !text.contains(token), "{text}");
    }
    let data: PathBuf = w.home.path().join("data");
    let mut stack = vec![data];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files += 1;
                let bytes = std::fs::read(&p).expect("read");
                let text = String::from_utf8_lossy(&bytes);
                assert!(
                    !text.contains(key) && !text.contains(token),
                    "{}",
                    p.display()
                );
            }
        }
    }
    assert!(files > 0, "no session files were written");
}

#[test]
fn passthrough_lets_a_named_variable_through() {
    let mock = calls(json!([bash("echo \"t=$GITHUB_TOKEN\"")]));
    let w = wisp()
        .openai(&mock)
        .env("GITHUB_TOKEN", "let-me-through")
        .config("[sandbox]\nenv_passthrough = [\"GITHUB_TOKEN\"]\n")
        .args(&["-p", "--yolo", "go"]);
    w.run().success();
    assert!(results(&mock)[0].starts_with("t=let-me-through"));
}

#[test]
fn without_a_sandbox_build_commands_ask() {
    let out = outside();
    let mock = calls(json!([
        write("Makefile", &makefile(out.path())),
        bash("make test")
    ]));
    let w = wisp()
        .openai(&mock)
        .env("WISP_SANDBOX_UNAVAILABLE", "1")
        .args(&["-p", "--mode", "standard", "go"]);
    let run = w.run();
    run.success();
    assert!(
        run.stderr
            .contains("sandbox workspace-write unavailable (WISP_SANDBOX_UNAVAILABLE is set)"),
        "{}",
        run.stderr
    );
    assert!(!w.path("inside.txt").exists(), "make test ran");
    assert!(!exists(&out.path().join("pwned")), "make test ran");
    let r = results(&mock);
    assert!(r[1].starts_with("denied:"), "{}", r[1]);
    assert!(r[1].contains("sandbox is not active"), "{}", r[1]);

    // The same with the sandbox turned off by the user.
    let mock = calls(json!([bash("make test")]));
    let w = wisp()
        .openai(&mock)
        .file("Makefile", &makefile(out.path()))
        .args(&["-p", "--sandbox", "off", "go"]);
    w.run().success();
    assert!(!w.path("inside.txt").exists(), "make test ran");
    assert!(results(&mock)[0].contains("sandbox is not active"));
}

#[test]
fn read_only_mode_refuses_writes_in_the_workspace() {
    let mock = calls(json!([bash("make test")]));
    let (w, _p) = wisp_outside_tmp();
    let w = w
        .openai(&mock)
        .file("Makefile", "test:\n\techo in > inside.txt\n")
        .env("WISP_SANDBOX", "read-only")
        .args(&["-p", "go"]);
    w.run().success();
    assert!(!w.path("inside.txt").exists(), "read-only sandbox wrote");
    assert!(results(&mock)[0].contains("sandbox read-only"));
}

#[test]
fn the_user_may_run_a_refused_command_outside() {
    let out = outside();
    let target = out.path().join("pwned");
    for (answer, ran) in [("n", false), ("y", true)] {
        let mock = calls(json!([bash("make test")]));
        let w = wisp()
            .openai(&mock)
            .file("Makefile", &makefile(out.path()))
            .stdin(&format!("go\n{answer}\n"));
        let run = w.run();
        run.success();
        assert!(
            run.stdout.contains("run again outside the sandbox? [y/N]"),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains("make test"), "{}", run.stdout);
        assert_eq!(exists(&target), ran, "answer {answer}");
        let r = results(&mock);
        assert_eq!(r[0].contains("outside the sandbox:]"), ran, "{}", r[0]);
    }
}

#[test]
fn the_banner_and_mode_name_the_sandbox() {
    let w = wisp().stdin("/mode\n");
    let run = w.run();
    assert!(
        run.stdout
            .contains("sandbox workspace-write: writes only in the workspace and /tmp, no network"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_plan_loop_runs_its_test_command_in_the_sandbox() {
    let out = outside();
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "Plan item 1 of 1", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "write", "arguments": {"path": "a.txt", "content": "a"}}]}},
        {"match": {"userMessage": "Plan item 1 of 1", "hasToolResult": true}, "response": {"content": "wrote a.txt"}},
    ]));
    let test = format!(
        "#!/bin/sh\necho ok > tested.txt\necho x > {} || true\nexit 0\n",
        out.path().join("pwned").display()
    );
    let (w, _p) = wisp_outside_tmp();
    let w = w
        .openai(&mock)
        .file("PLAN.md", "# Plan\n\n- [ ] make a.txt\n")
        .file("test.sh", &test);
    {
        use std::os::unix::fs::PermissionsExt;
        let p = w.path("test.sh");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let w = w.args(&["loop", "--test", "./test.sh"]);
    w.run().success();
    assert!(
        w.path("tested.txt").exists(),
        "the test command did not run"
    );
    assert!(
        !exists(&out.path().join("pwned")),
        "the test command wrote outside"
    );
}
