//! Signing in to a Streamable HTTP server with OAuth 2.1, as the MCP
//! authorization section describes: the server's 401 names its protected
//! resource metadata, which names the authorization server; wisp registers
//! itself there (or uses the configured client), sends the user's browser to
//! the authorization endpoint with PKCE, receives the code on a loopback
//! listener on 127.0.0.1, and trades it for tokens.

use super::oauth::{self, challenge_param, OAuthClient, Tokens};
use reqwest::Url;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long the browser may take.
const WAIT: Duration = Duration::from_secs(300);

fn random(n: usize) -> Result<String, String> {
    use ring::rand::SecureRandom;
    let mut b = vec![0u8; n];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| "no random numbers".to_string())?;
    Ok(super::base64(&b, true))
}

async fn get_json(client: &reqwest::Client, url: &str) -> Option<Value> {
    let r = client
        .get(url)
        .header("Accept", "application/json")
        .send()
        .await
        .ok()?;
    if !r.status().is_success() {
        return None;
    }
    serde_json::from_slice(&r.bytes().await.ok()?).ok()
}

/// `origin` + `/.well-known/NAME` + the URL's path, and the variants the
/// specifications allow, in the order they are to be tried.
/// The origin's own document is a fallback only for the protected resource
/// (`root`): an authorization server with a path lives at that path.
fn well_known(url: &Url, name: &str, path_last: bool, root: bool) -> Vec<String> {
    let origin = url.origin().ascii_serialization();
    let path = url.path().trim_end_matches('/');
    let mut v = Vec::new();
    if !path.is_empty() {
        v.push(format!("{origin}/.well-known/{name}{path}"));
        if path_last {
            v.push(format!("{origin}{path}/.well-known/{name}"));
        }
    }
    if path.is_empty() || root {
        v.push(format!("{origin}/.well-known/{name}"));
    }
    v
}

/// Whether tokens for `resource` may go to `server` (same origin, a path
/// below it).
fn covers(resource: &str, server: &Url) -> bool {
    let Ok(r) = Url::parse(resource) else {
        return false;
    };
    r.origin() == server.origin()
        && server
            .path()
            .trim_end_matches('/')
            .starts_with(r.path().trim_end_matches('/'))
}

fn same_issuer(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// The issuer as the authorization server's metadata spells it.
fn named_issuer(f: &Found) -> &str {
    f.meta
        .get("issuer")
        .and_then(Value::as_str)
        .unwrap_or(&f.issuer)
}

/// The authorization server's endpoints, found from the MCP server's URL.
struct Found {
    issuer: String,
    meta: Value,
    scope: Option<String>,
    /// The resource identifier to ask tokens for: the metadata's own
    /// `resource`, spelt as published, else the server's URL.
    resource: String,
}

async fn discover(
    client: &reqwest::Client,
    url: &Url,
    headers: &[(String, String)],
    more: Option<&str>,
) -> Result<Found, String> {
    // An unauthenticated request: its 401 says where to look.
    let mut probe = client
        .post(url.clone())
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .header("Mcp-Method", "server/discover")
        .header("MCP-Protocol-Version", super::handshake::STATELESS);
    for (k, v) in headers {
        probe = probe.header(k, v);
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover",
        "params": {"_meta": super::handshake::envelope()}});
    let challenge = match probe.body(body.to_string()).send().await {
        Ok(r) => r
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .unwrap_or_default(),
        Err(e) => return Err(format!("cannot reach {url}: {e}")),
    };
    let mut places = Vec::new();
    if let Some(m) = challenge_param(&challenge, "resource_metadata") {
        places.push(m);
    }
    places.extend(well_known(url, "oauth-protected-resource", false, true));
    let mut prm = None;
    for p in places {
        if let Some(v) = get_json(client, &p).await {
            prm = Some(v);
            break;
        }
    }
    let prm = prm.ok_or("the server publishes no OAuth protected resource metadata")?;
    let resource = prm
        .get("resource")
        .and_then(Value::as_str)
        .unwrap_or(url.as_str())
        .to_string();
    if let Some(r) = prm.get("resource").and_then(Value::as_str) {
        if !covers(r, url) {
            return Err(format!(
                "the server's metadata names another resource ({}); not signing in",
                r.escape_default()
            ));
        }
    }
    let issuer = prm
        .pointer("/authorization_servers/0")
        .and_then(Value::as_str)
        .ok_or("the server's metadata names no authorization server")?
        .to_string();
    let at = Url::parse(&issuer).map_err(|_| "the authorization server's URL is not valid")?;
    let mut meta = None;
    let mut tries = well_known(&at, "oauth-authorization-server", false, false);
    tries.extend(well_known(&at, "openid-configuration", true, false));
    for p in tries {
        if let Some(v) = get_json(client, &p).await {
            meta = Some(v);
            break;
        }
    }
    let meta = meta.ok_or("the authorization server publishes no metadata")?;
    let named = meta.get("issuer").and_then(Value::as_str).unwrap_or("");
    if !same_issuer(named, &issuer) {
        return Err(format!(
            "the authorization server's metadata names another issuer ({})",
            named.escape_default()
        ));
    }
    let s256 = meta
        .get("code_challenge_methods_supported")
        .and_then(Value::as_array)
        .is_some_and(|m| m.iter().any(|m| m == "S256"));
    if !s256 {
        return Err("the authorization server does not offer PKCE (S256)".into());
    }
    let mut scope = challenge_param(&challenge, "scope").or_else(|| {
        let s: Vec<&str> = prm
            .get("scopes_supported")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        (!s.is_empty()).then(|| s.join(" "))
    });
    // A step-up (403 insufficient_scope) asks for the new scope beside the old.
    for s in more.into_iter().flat_map(|m| m.split(' ')) {
        let have = scope.as_deref().unwrap_or("");
        if !s.is_empty() && !have.split(' ').any(|h| h == s) {
            scope = Some(if have.is_empty() {
                s.into()
            } else {
                format!("{have} {s}")
            });
        }
    }
    // Ask for a refresh token where the server hands them out that way.
    let offline = meta
        .get("scopes_supported")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|s| s == "offline_access"));
    if offline
        && !scope
            .as_deref()
            .unwrap_or("")
            .split(' ')
            .any(|s| s == "offline_access")
    {
        scope = Some(match scope {
            Some(s) => format!("{s} offline_access"),
            None => "offline_access".into(),
        });
    }
    Ok(Found {
        issuer,
        meta,
        scope,
        resource,
    })
}

/// The client id, secret and token endpoint authentication to use.
async fn register(
    client: &reqwest::Client,
    found: &Found,
    cfg: &OAuthClient,
    redirect: &str,
) -> Result<(String, Option<String>, String), String> {
    let methods: Vec<&str> = found
        .meta
        .get("token_endpoint_auth_methods_supported")
        .and_then(Value::as_array)
        .map(|m| m.iter().filter_map(Value::as_str).collect())
        .unwrap_or_else(|| vec!["client_secret_basic"]);
    if let Some(id) = &cfg.client_id {
        let method = match &cfg.client_secret {
            None => "none",
            Some(_) if methods.contains(&"client_secret_basic") => "client_secret_basic",
            Some(_) => "client_secret_post",
        };
        return Ok((id.clone(), cfg.client_secret.clone(), method.into()));
    }
    let Some(endpoint) = found
        .meta
        .get("registration_endpoint")
        .and_then(Value::as_str)
    else {
        return Err("the authorization server offers no client registration; set \"oauth\": {\"clientId\": ...} for this server".into());
    };
    let body = json!({
        "client_name": "wisp",
        "application_type": "native",
        "redirect_uris": [redirect],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    });
    let r = client
        .post(endpoint)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("client registration: {e}"))?;
    let status = r.status();
    let v: Value = match r.bytes().await {
        Ok(b) => serde_json::from_slice(&b).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let Some(id) = v.get("client_id").and_then(Value::as_str) else {
        return Err(format!(
            "client registration failed (HTTP {})",
            status.as_u16()
        ));
    };
    let secret = v
        .get("client_secret")
        .and_then(Value::as_str)
        .map(str::to_string);
    let method = v
        .get("token_endpoint_auth_method")
        .and_then(Value::as_str)
        .unwrap_or(if secret.is_some() {
            "client_secret_basic"
        } else {
            "none"
        })
        .to_string();
    Ok((id.to_string(), secret, method))
}

/// Opens `url` with `$BROWSER` (its first entry; `%s` stands for the URL),
/// else `xdg-open`. False when neither could be started.
fn open_browser(url: &str) -> bool {
    let chosen = std::env::var("BROWSER")
        .ok()
        .and_then(|b| b.split(':').next().map(str::to_string))
        .filter(|b| !b.trim().is_empty());
    let (program, args): (String, Vec<String>) = match chosen {
        Some(b) => {
            let mut words = shlex::split(&b).unwrap_or_default();
            if words.is_empty() {
                return false;
            }
            let program = words.remove(0);
            if words.iter().any(|w| w.contains("%s")) {
                (
                    program,
                    words.iter().map(|w| w.replace("%s", url)).collect(),
                )
            } else {
                words.push(url.to_string());
                (program, words)
            }
        }
        None => ("xdg-open".into(), vec![url.to_string()]),
    };
    let child = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match child {
        Ok(mut c) => {
            tokio::spawn(async move {
                let _ = c.wait().await;
            });
            true
        }
        Err(_) => false,
    }
}

/// Waits for the browser's redirect to `/callback`; its query parameters.
async fn callback(listener: tokio::net::TcpListener) -> Result<Vec<(String, String)>, String> {
    loop {
        let (mut sock, _) = listener
            .accept()
            .await
            .map_err(|e| format!("loopback listener: {e}"))?;
        let mut buf = vec![0u8; 8192];
        let mut n = 0;
        while n < buf.len() {
            match tokio::time::timeout(Duration::from_secs(10), sock.read(&mut buf[n..])).await {
                Ok(Ok(0)) | Err(_) | Ok(Err(_)) => break,
                Ok(Ok(k)) => n += k,
            }
            if buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let head = String::from_utf8_lossy(&buf[..n]);
        let target = head
            .lines()
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .unwrap_or("");
        let Ok(u) = Url::parse(&format!("http://127.0.0.1{target}")) else {
            continue;
        };
        if u.path() != "/callback" {
            let _ = sock
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
            continue;
        }
        let page = "<!doctype html><p>wisp: signed in. You can close this window.</p>";
        let resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
            page.len()
        );
        let _ = sock.write_all(resp.as_bytes()).await;
        return Ok(u.query_pairs().into_owned().collect());
    }
}

/// Signs in to the server `name` at `url`; `say` shows the URL to open.
/// The tokens are stored for the next connections.
pub async fn login(
    name: &str,
    url: &str,
    headers: &[(String, String)],
    cfg: &OAuthClient,
    more_scope: Option<&str>,
    say: &(dyn Fn(&str) + Sync),
) -> Result<(), String> {
    let server = Url::parse(url).map_err(|_| format!("`{url}` is not a URL"))?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let found = discover(&client, &server, headers, more_scope).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", cfg.callback_port.unwrap_or(0)))
        .await
        .map_err(|e| format!("loopback listener: {e}"))?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("loopback listener: {e}"))?
        .port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let (client_id, secret, method) = register(&client, &found, cfg, &redirect).await?;
    let endpoint = |k: &str| {
        found
            .meta
            .get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or(format!("the authorization server's metadata has no {k}"))
    };
    let (authorize, token_endpoint) = (
        endpoint("authorization_endpoint")?,
        endpoint("token_endpoint")?,
    );
    let verifier = random(32)?;
    let challenge = super::base64(
        ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()).as_ref(),
        true,
    );
    let state = random(16)?;
    let mut go = Url::parse(&authorize).map_err(|_| "the authorization endpoint is not a URL")?;
    {
        let mut q = go.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", &redirect)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", &state)
            .append_pair("resource", &found.resource);
        if let Some(s) = &found.scope {
            q.append_pair("scope", s);
        }
    }
    say(&format!("mcp: sign in to `{name}` in your browser: {go}"));
    if !open_browser(go.as_str()) {
        say("mcp: no browser could be started ($BROWSER, xdg-open): open the address above yourself");
    }
    let params = tokio::time::timeout(WAIT, callback(listener))
        .await
        .map_err(|_| "no answer from the browser within 5 minutes".to_string())??;
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if let Some(e) = param("error") {
        return Err(format!(
            "the authorization server refused: {}",
            e.escape_default()
        ));
    }
    if param("state").as_deref() != Some(state.as_str()) {
        return Err("the browser came back with a different state; not signing in".into());
    }
    // RFC 9207: the issuer says who sent the browser back.
    let iss_promised = found
        .meta
        .get("authorization_response_iss_parameter_supported")
        == Some(&Value::Bool(true));
    match param("iss") {
        // Compared exactly, as RFC 9207 asks: no normalising.
        Some(iss) if iss != named_issuer(&found) => {
            return Err("the authorization response came from another issuer".into())
        }
        None if iss_promised => {
            return Err("the authorization response lacks the issuer it promised".into())
        }
        _ => {}
    }
    let code = param("code").ok_or("the browser came back without a code")?;
    let form = vec![
        ("grant_type", "authorization_code".to_string()),
        ("code", code),
        ("redirect_uri", redirect),
        ("code_verifier", verifier),
        ("resource", found.resource.clone()),
    ];
    let body = oauth::token_request(
        &client,
        &token_endpoint,
        form,
        &client_id,
        secret.as_deref(),
        &method,
    )
    .await?;
    let mut t = Tokens {
        resource: url.to_string(),
        access_token: String::new(),
        refresh_token: None,
        expires_at: None,
        token_endpoint,
        client_id,
        client_secret: secret,
        auth_method: method,
        audience: Some(found.resource.clone()),
    };
    oauth::absorb(&mut t, &body);
    oauth::save(name, &t).await
}

/// What a connection needs to sign in again by itself when its tokens stop
/// working mid-session (the server moved to another authorization server,
/// or wants more scope): given only where no one can run `/mcp login` and
/// `$BROWSER` is set.
pub struct Signin {
    pub name: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub client: OAuthClient,
    /// One sign-in at a time per server.
    pub once: tokio::sync::Mutex<()>,
    /// Sign-ins made by themselves for this server in this session.
    pub made: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

/// Sign-ins a server may cause by itself in a session: the first and one
/// more (a step-up or a new authorization server), so a server that keeps
/// refusing cannot send the browser round in circles.
pub const AUTO_SIGNINS: u32 = 2;

impl Signin {
    pub async fn run(&self, more_scope: Option<&str>) -> Result<(), String> {
        use std::sync::atomic::Ordering;
        if self.made.fetch_add(1, Ordering::SeqCst) >= AUTO_SIGNINS {
            return Err("signed in often enough already in this session".into());
        }
        let say = |l: &str| crate::render::eprintln(l);
        login(
            &self.name,
            &self.url,
            &self.headers,
            &self.client,
            more_scope,
            &say,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_looked_for_where_the_specifications_say() {
        let u = Url::parse("https://a.example/tenant/mcp").expect("url");
        assert_eq!(
            well_known(&u, "oauth-protected-resource", false, true),
            [
                "https://a.example/.well-known/oauth-protected-resource/tenant/mcp",
                "https://a.example/.well-known/oauth-protected-resource"
            ]
        );
        let root = Url::parse("https://a.example").expect("url");
        assert_eq!(
            well_known(&root, "openid-configuration", true, false),
            ["https://a.example/.well-known/openid-configuration"]
        );
        assert_eq!(
            well_known(&u, "openid-configuration", true, false),
            [
                "https://a.example/.well-known/openid-configuration/tenant/mcp",
                "https://a.example/tenant/mcp/.well-known/openid-configuration"
            ]
        );
    }

    #[test]
    fn tokens_go_only_to_the_resource_they_name() {
        let server = Url::parse("http://127.0.0.1:8/mcp").expect("url");
        assert!(covers("http://127.0.0.1:8/mcp", &server));
        assert!(covers("http://127.0.0.1:8/", &server));
        assert!(!covers("http://127.0.0.1:9/mcp", &server));
        assert!(!covers("http://evil.example/mcp", &server));
        assert!(!covers("http://127.0.0.1:8/other", &server));
    }
}
