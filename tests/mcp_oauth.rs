//! OAuth 2.1 sign-in to a Streamable HTTP MCP server, against a local
//! authorization server started by the test (tests/support/mcp/oauth_server.mjs):
//! discovery from the 401, dynamic registration, PKCE through a "browser"
//! (`BROWSER`, a script following the redirect to wisp's loopback listener),
//! the token used on requests, refresh after expiry, a revoked token leading
//! to "needs login", and the tokens absent from every file but their own.

mod support;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use support::{http_get, messages, root, wisp, Aimock, Wisp};

struct AuthServer {
    child: Child,
    port: u16,
}

impl AuthServer {
    fn start(ttl: u64) -> AuthServer {
        let mut child = Command::new("node")
            .arg(root().join("tests/support/mcp/oauth_server.mjs"))
            .env("TOKEN_TTL", ttl.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the authorization server (node)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("port line");
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|p| p.parse().ok())
            .expect("the server says its port");
        AuthServer { child, port }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }

    fn log(&self) -> Vec<String> {
        let v: Value = serde_json::from_str(&http_get(self.port, "/admin/log")).expect("log");
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e.as_str().map(str::to_string))
            .collect()
    }

    fn revoke(&self) {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        write!(
            s,
            "POST /admin/revoke HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    }
}

impl Drop for AuthServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn browser() -> String {
    root()
        .join("tests/support/mcp/browser.sh")
        .display()
        .to_string()
}

fn whoami_model() -> Aimock {
    Aimock::start(json!([
        {"match": {"userMessage": "go", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "mcp__sec__whoami", "arguments": {}}]}},
        {"match": {"userMessage": "go", "hasToolResult": true}, "response": {"content": "done"}}
    ]))
}

fn configured(w: Wisp, server: &AuthServer) -> Wisp {
    w.mcp_json(&json!({"mcpServers": {"sec": {"type": "http", "url": server.url()}}}).to_string())
}

fn last_tool_result(mock: &Aimock) -> String {
    let bodies = mock.bodies("/v1/chat/completions");
    messages(bodies.last().expect("request"))
        .iter()
        .rev()
        .find(|m| m["role"] == "tool")
        .and_then(|m| m["content"].as_str().map(str::to_string))
        .unwrap_or_default()
}

fn stored(w: &Wisp) -> Value {
    let p = w.home.path().join("data/wisp/mcp-auth/sec.json");
    serde_json::from_str(&std::fs::read_to_string(p).expect("stored tokens")).expect("JSON")
}

/// Every file under `dir` but the token store, as text.
fn files_outside_the_store(dir: &Path, out: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            if !p.ends_with("mcp-auth") {
                files_outside_the_store(&p, out);
            }
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap_or_default()).into_owned();
            out.push((p.display().to_string(), text));
        }
    }
}

#[test]
fn signs_in_with_registration_and_pkce_and_uses_the_token() {
    let server = AuthServer::start(3600);
    let mock = whoami_model();
    let w = configured(wisp().openai(&mock), &server)
        .env("BROWSER", &browser())
        .args(&["-p", "--allow", "mcp__sec__*", "go"]);
    let run = w.run();
    run.success();
    assert!(
        run.stderr
            .contains("mcp: sign in to `sec` in your browser: http://127.0.0.1:"),
        "the address is printed: {}",
        run.stderr
    );
    assert_eq!(last_tool_result(&mock), "token number 1");
    let log = server.log();
    let pos = |what: &str| log.iter().position(|l| l.starts_with(what));
    let order = [
        pos("401:server/discover"),
        pos("register:http://127.0.0.1:"),
        pos("authorize:scope=mcp offline_access"),
        pos("token:authorization_code"),
        pos("mcp:at-1-"),
    ];
    assert!(order.iter().all(Option::is_some), "{log:?}");
    assert!(order.windows(2).all(|p| p[0] < p[1]), "{log:?}");
    assert!(
        log.iter()
            .any(|l| l.starts_with("mcp:at-1-") && l.ends_with(":tools/call")),
        "the call carried the token: {log:?}"
    );
    // The tokens are stored for the user alone, and nowhere else.
    let t = stored(&w);
    let access = t["access_token"].as_str().expect("access token");
    let refresh = t["refresh_token"].as_str().expect("refresh token");
    let store = w.home.path().join("data/wisp/mcp-auth");
    let mode = |p: &Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode(&store.join("sec.json")), 0o600);
    assert_eq!(mode(&store), 0o700);
    let mut files = Vec::new();
    files_outside_the_store(w.home.path(), &mut files);
    assert!(
        files.iter().any(|(p, _)| p.contains("sessions")),
        "a session was written: {:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (path, text) in &files {
        assert!(
            !text.contains(access) && !text.contains(refresh),
            "a token leaked into {path}"
        );
    }
    assert!(!run.stdout.contains(access) && !run.stderr.contains(access));
}

#[test]
fn an_expired_token_is_refreshed_without_a_new_sign_in() {
    let server = AuthServer::start(3);
    let mock = whoami_model();
    let w = configured(wisp().openai(&mock), &server)
        .env("BROWSER", &browser())
        .args(&["-p", "--allow", "mcp__sec__*", "go"]);
    w.run().success();
    let number = |r: String| -> u32 {
        r.strip_prefix("token number ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{r}"))
    };
    let first = number(last_tool_result(&mock));
    std::thread::sleep(std::time::Duration::from_millis(4000));
    // The second run has no browser: it must do with the refresh token.
    let w = w.env("BROWSER", "");
    let run = w.run();
    run.success();
    let second = number(last_tool_result(&mock));
    assert!(
        second > first,
        "a new token after expiry: {second} {}",
        run.stderr
    );
    let log = server.log();
    assert_eq!(
        log.iter().filter(|l| l.starts_with("authorize:")).count(),
        1,
        "{log:?}"
    );
    assert!(log.contains(&"token:refresh_token".to_string()), "{log:?}");
    assert!(
        stored(&w)["access_token"]
            .as_str()
            .is_some_and(|a| a.starts_with(&format!("at-{second}-"))),
        "the refreshed token is stored"
    );
}

#[test]
fn a_revoked_token_shows_needs_login_and_logout_forgets_the_tokens() {
    let server = AuthServer::start(3600);
    let mock = whoami_model();
    let w = configured(wisp().openai(&mock), &server)
        .env("BROWSER", &browser())
        .args(&["--allow", "mcp__sec__*"])
        .stdin("go\n");
    w.run().success();
    assert_eq!(last_tool_result(&mock), "token number 1");
    server.revoke();
    // No browser now: the server is shown as needing a login, not as failed.
    let w = w.env("BROWSER", "").stdin("/mcp tools sec\n/mcp\n");
    let run = w.run();
    run.success();
    assert!(
        run.stdout
            .contains("sec  http   needs login (/mcp login sec)"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(
        !w.home.path().join("data/wisp/mcp-auth/sec.json").exists(),
        "the refused tokens are forgotten"
    );
    // /mcp login signs in again; /mcp logout deletes the tokens.
    let w = w
        .env("BROWSER", &browser())
        .stdin("/mcp login sec\n/mcp logout sec\n/mcp\n");
    let run = w.run();
    run.success();
    assert!(
        run.stdout.contains("signed in to `sec`"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(run.stdout.contains("signed out of `sec`"), "{}", run.stdout);
    assert!(!w.home.path().join("data/wisp/mcp-auth/sec.json").exists());
}

#[test]
fn without_a_browser_print_mode_says_how_to_sign_in() {
    let server = AuthServer::start(3600);
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "hi"}, "response": {"content": "hello"}}
    ]));
    let run = configured(wisp().openai(&mock), &server)
        .env("BROWSER", "")
        .args(&["-p", "hi"])
        .run();
    run.success();
    assert!(run.stdout.contains("hello"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("server `sec` needs login: run /mcp login sec in wisp, or set BROWSER to sign in from here"),
        "{}",
        run.stderr
    );
    assert!(!server.log().iter().any(|l| l.starts_with("register")));
}
