//! Test support: a real aimock server, and a builder that runs the `wisp`
//! binary with arguments and stdin in an isolated home, capturing its output.
#![allow(dead_code)]

pub mod fake;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// A test that cannot run because `why` (a missing program, a refused
/// namespace): under `WISP_REQUIRE_ALL=1` (set by scripts/test, so CI) it
/// fails; otherwise it prints one `SKIPPED` line that shows in `cargo test`'s
/// output (written to stderr directly, past the test harness's capture) and
/// the caller returns. Use as `if let Some(why) = ... { return skip(..) }`.
pub fn skip(test: &str, why: &str) {
    if require_all() {
        panic!("{test}: cannot run: {why} (WISP_REQUIRE_ALL=1 makes this a failure)");
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {why} (set WISP_REQUIRE_ALL=1 to fail instead)"
    );
}

/// Whether every test must run (`WISP_REQUIRE_ALL=1`): a missing dependency is a failure.
pub fn require_all() -> bool {
    std::env::var("WISP_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running aimock serving the given fixtures on 127.0.0.1.
pub struct Aimock {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Aimock {
    /// Starts aimock with `fixtures` (the JSON array of fixtures).
    pub fn start(fixtures: Value) -> Aimock {
        let cli = root().join(".cache/npm/node_modules/@copilotkit/aimock/dist/cli.js");
        assert!(
            cli.exists(),
            "aimock is not installed: run tests/support/setup (scripts/test does it)"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("fixtures.json");
        std::fs::write(
            &file,
            serde_json::json!({ "fixtures": fixtures }).to_string(),
        )
        .expect("write fixtures");
        let mut child = Command::new("node")
            .arg(&cli)
            .args(["-p", "0", "-h", "127.0.0.1", "--log-level", "info", "-f"])
            .arg(&file)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut port = 0;
        for line in lines.by_ref() {
            let line = line.expect("read aimock output");
            if let Some(i) = line.find("127.0.0.1:") {
                let digits: String = line[i + 10..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                port = digits.parse().expect("port");
                break;
            }
        }
        assert!(port != 0, "aimock did not report its port");
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Aimock {
            child,
            port,
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request aimock received, oldest first.
    pub fn journal(&self) -> Vec<Value> {
        let body = http_get(self.port, "/__aimock/journal");
        let v: Value = serde_json::from_str(&body).expect("journal JSON");
        v.as_array().cloned().unwrap_or_default()
    }

    /// Request bodies sent to a path (e.g. `/v1/chat/completions`).
    pub fn bodies(&self, path: &str) -> Vec<Value> {
        self.journal()
            .into_iter()
            .filter(|e| e["path"].as_str().is_some_and(|p| p.starts_with(path)))
            .map(|e| e["body"].clone())
            .collect()
    }
}

impl Drop for Aimock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 GET to 127.0.0.1, enough for the journal.
pub fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// Runs the wisp binary in a temporary project with its own HOME and XDG dirs.
pub struct Wisp {
    pub home: tempfile::TempDir,
    pub project: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<Vec<u8>>,
}

pub fn wisp() -> Wisp {
    let home = tempfile::tempdir().expect("tempdir");
    let project = home.path().join("project");
    std::fs::create_dir_all(&project).expect("project dir");
    Wisp {
        home,
        project,
        args: Vec::new(),
        env: Vec::new(),
        stdin: None,
    }
}

pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
}

impl Run {
    pub fn success(&self) -> &Self {
        assert_eq!(
            self.code,
            Some(0),
            "exit status; stderr: {}\nstdout: {}",
            self.stderr,
            self.stdout
        );
        self
    }
}

impl Wisp {
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|s| s.to_string()));
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn stdin(mut self, s: &str) -> Self {
        self.stdin = Some(s.as_bytes().to_vec());
        self
    }

    /// Points wisp at aimock through the OpenAI wire format.
    pub fn openai(self, mock: &Aimock) -> Self {
        let url = format!("{}/v1", mock.url());
        self.env("WISP_PROVIDER", "openai")
            .env("OPENAI_BASE_URL", &url)
            .env("OPENAI_API_KEY", "test-key")
            .env("WISP_MODEL", "test-model")
    }

    /// Points wisp at aimock through the Anthropic Messages format.
    pub fn anthropic(self, mock: &Aimock) -> Self {
        self.env("WISP_PROVIDER", "anthropic")
            .env("ANTHROPIC_BASE_URL", &mock.url())
            .env("ANTHROPIC_API_KEY", "test-key")
            .env("WISP_MODEL", "test-model")
    }

    /// Points wisp at aimock through Gemini's streamGenerateContent format.
    pub fn gemini(self, mock: &Aimock) -> Self {
        self.env("WISP_PROVIDER", "gemini")
            .env("GOOGLE_GEMINI_BASE_URL", &mock.url())
            .env("GEMINI_API_KEY", "test-key")
            .env("WISP_MODEL", "test-model")
    }

    /// Points wisp at aimock through Ollama's /api/chat format.
    pub fn ollama(self, mock: &Aimock) -> Self {
        self.env("WISP_PROVIDER", "ollama")
            .env("OLLAMA_HOST", &format!("127.0.0.1:{}", mock.port))
            .env("WISP_MODEL", "test-model")
    }

    /// Writes `config.toml` in wisp's config directory.
    pub fn config(self, toml: &str) -> Self {
        let dir = self.home.path().join("config/wisp");
        std::fs::create_dir_all(&dir).expect("config dir");
        std::fs::write(dir.join("config.toml"), toml).expect("write config");
        self
    }

    /// Writes `mcp.json` (the user's MCP servers) in wisp's config directory.
    pub fn mcp_json(self, json: &str) -> Self {
        let dir = self.home.path().join("config/wisp");
        std::fs::create_dir_all(&dir).expect("config dir");
        std::fs::write(dir.join("mcp.json"), json).expect("write mcp.json");
        self
    }

    /// Writes a file in the project directory.
    pub fn file(self, rel: &str, content: &str) -> Self {
        let p = self.project.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(p, content).expect("write file");
        self
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.project.join(rel)
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_wisp"));
        c.args(&self.args).current_dir(&self.project);
        for var in [
            "WISP_PROVIDER",
            "WISP_MODEL",
            "OPENAI_API_KEY",
            "OPENAI_BASE_URL",
            "OPENROUTER_API_KEY",
            "OPENROUTER_BASE_URL",
            "ANTHROPIC_API_KEY",
            "ANTHROPIC_BASE_URL",
            "GEMINI_API_KEY",
            "GOOGLE_API_KEY",
            "GOOGLE_GEMINI_BASE_URL",
            "OLLAMA_HOST",
            "NO_COLOR",
            "WISP_PLAIN",
        ] {
            c.env_remove(var);
        }
        let h = self.home.path();
        c.env("HOME", h)
            .env("XDG_CONFIG_HOME", h.join("config"))
            .env("XDG_DATA_HOME", h.join("data"))
            .env("TERM", "xterm");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// Runs to completion with the given stdin (empty when none was set).
    pub fn run(&self) -> Run {
        let mut c = self.command();
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn wisp");
        let input = self.stdin.clone().unwrap_or_default();
        let mut sin = child.stdin.take().expect("stdin");
        let writer = std::thread::spawn(move || {
            let _ = sin.write_all(&input);
        });
        let out: Output = wait_with_timeout(child, Duration::from_secs(60));
        let _ = writer.join();
        Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code(),
        }
    }
}

/// Waits for a child, killing it if it runs past `limit` (a hung test fails, never hangs CI).
pub fn wait_with_timeout(child: Child, limit: Duration) -> Output {
    let pid = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = done.clone();
    std::thread::spawn(move || {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if flag.load(std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if !flag.load(std::sync::atomic::Ordering::SeqCst) {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    });
    let out = child.wait_with_output().expect("wait");
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    out
}

/// The messages of a Chat Completions request body.
pub fn messages(body: &Value) -> Vec<Value> {
    body["messages"].as_array().cloned().unwrap_or_default()
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}
