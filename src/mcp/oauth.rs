//! OAuth tokens of one Streamable HTTP server: kept in
//! `$XDG_DATA_HOME/wisp/mcp-auth/NAME.json` (0600, in a 0700 folder, never in
//! a transcript), sent as `Authorization: Bearer`, refreshed when they expire
//! or are refused, and forgotten when the refresh fails (the server then
//! "needs login"). Signing in is `oauth_login.rs`.

use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;

/// The client a server's `"oauth"` entry names, when it offers no registration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OAuthClient {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// The loopback port of the redirect, for a client registered with a fixed one.
    pub callback_port: Option<u16>,
}

/// What a sign-in leaves: the tokens and how to refresh them.
#[derive(Clone)]
pub struct Tokens {
    /// The server URL the tokens were issued for: never sent elsewhere.
    pub resource: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Seconds since the epoch.
    pub expires_at: Option<u64>,
    pub token_endpoint: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// `client_secret_basic`, `client_secret_post` or `none`.
    pub auth_method: String,
    /// The `resource` parameter, as the server's metadata spells it.
    pub audience: Option<String>,
}

// By hand rather than derived: the file is small and a derive costs binary.
impl Tokens {
    fn to_json(&self) -> Value {
        json!({
            "resource": self.resource, "access_token": self.access_token,
            "refresh_token": self.refresh_token, "expires_at": self.expires_at,
            "token_endpoint": self.token_endpoint, "client_id": self.client_id,
            "client_secret": self.client_secret, "auth_method": self.auth_method,
            "audience": self.audience,
        })
    }

    fn from_json(v: &Value) -> Option<Tokens> {
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        Some(Tokens {
            resource: text("resource")?,
            access_token: text("access_token")?,
            refresh_token: text("refresh_token"),
            expires_at: v.get("expires_at").and_then(Value::as_u64),
            token_endpoint: text("token_endpoint")?,
            client_id: text("client_id")?,
            client_secret: text("client_secret"),
            auth_method: text("auth_method")?,
            audience: text("audience"),
        })
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn path(server: &str) -> PathBuf {
    // Server names are letters, digits and `-` (config::check_name).
    crate::paths::data_dir()
        .join("mcp-auth")
        .join(format!("{server}.json"))
}

/// The stored tokens of `server`, if they were issued for `url`.
pub async fn load(server: &str, url: &str) -> Option<Tokens> {
    let text = tokio::fs::read_to_string(path(server)).await.ok()?;
    let t = Tokens::from_json(&serde_json::from_str(&text).ok()?)?;
    (t.resource == url).then_some(t)
}

/// Writes the tokens readable by the user alone.
pub async fn save(server: &str, t: &Tokens) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let p = path(server);
    let dir = p.parent().unwrap_or(&p).to_path_buf();
    let shown = |e: std::io::Error| format!("{}: {e}", p.display());
    let mut b = tokio::fs::DirBuilder::new();
    b.recursive(true).mode(0o700);
    b.create(&dir).await.map_err(shown)?;
    let _ = tokio::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).await;
    let text = t.to_json().to_string();
    let tmp = p.with_extension("tmp");
    let _ = tokio::fs::remove_file(&tmp).await;
    let mut f = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .await
        .map_err(shown)?;
    tokio::io::AsyncWriteExt::write_all(&mut f, text.as_bytes())
        .await
        .map_err(shown)?;
    drop(f);
    tokio::fs::rename(&tmp, &p).await.map_err(shown)
}

/// Removes the stored tokens; true if there were any.
pub async fn forget(server: &str) -> bool {
    tokio::fs::remove_file(path(server)).await.is_ok()
}

/// `Bearer resource_metadata="...", scope="a b"`: the parameters of a
/// `WWW-Authenticate` challenge, by name.
pub fn challenge_param(header: &str, name: &str) -> Option<String> {
    let mut rest = header.trim();
    // Skip the scheme.
    if let Some(i) = rest.find(' ') {
        if !rest[..i].contains('=') {
            rest = &rest[i..];
        }
    }
    loop {
        rest = rest.trim_start_matches([' ', ',']);
        let eq = rest.find('=')?;
        let key = rest[..eq].trim();
        rest = &rest[eq + 1..];
        let value = if let Some(quoted) = rest.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => v.push(c),
                }
            }
            rest = &quoted[end.min(quoted.len())..];
            v
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            let v = rest[..end].trim().to_string();
            rest = &rest[end..];
            v
        };
        if key.eq_ignore_ascii_case(name) {
            return Some(value);
        }
    }
}

/// `application/x-www-form-urlencoded` pairs (by `url`'s encoder, already linked).
fn form_body(pairs: &[(&str, String)]) -> String {
    let mut u = reqwest::Url::parse("http://x/").expect("constant URL");
    u.query_pairs_mut()
        .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
    u.query().unwrap_or("").to_string()
}

/// `Authorization: Basic` for client_secret_basic: id and secret are
/// form-encoded first (RFC 6749 §2.3.1).
fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| form_body(&[("v", s.to_string())])[2..].to_string();
    let pair = format!("{}:{}", enc(id), enc(secret));
    format!("Basic {}", super::base64(pair.as_bytes(), false))
}

/// POSTs a token request with the client's authentication; the JSON answer.
pub async fn token_request(
    client: &reqwest::Client,
    endpoint: &str,
    mut form: Vec<(&str, String)>,
    client_id: &str,
    secret: Option<&str>,
    method: &str,
) -> Result<Value, String> {
    let mut req = client.post(endpoint).header("Accept", "application/json");
    match (method, secret) {
        ("client_secret_basic", Some(s)) => req = req.header("Authorization", basic(client_id, s)),
        ("client_secret_post", Some(s)) => {
            form.push(("client_id", client_id.to_string()));
            form.push(("client_secret", s.to_string()));
        }
        _ => form.push(("client_id", client_id.to_string())),
    }
    let resp = req
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form_body(&form))
        .send()
        .await
        .map_err(|e| format!("token endpoint: {e}"))?;
    let status = resp.status();
    let body: Value = resp
        .bytes()
        .await
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    if !status.is_success() || body.get("access_token").and_then(Value::as_str).is_none() {
        let why = body
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("no access_token");
        return Err(format!(
            "the token endpoint refused (HTTP {}: {})",
            status.as_u16(),
            why.escape_default()
        ));
    }
    Ok(body)
}

/// Applies a token endpoint's answer to `t` (a refresh may keep the old
/// refresh token).
pub fn absorb(t: &mut Tokens, body: &Value) {
    if let Some(a) = body.get("access_token").and_then(Value::as_str) {
        t.access_token = a.to_string();
    }
    if let Some(r) = body.get("refresh_token").and_then(Value::as_str) {
        t.refresh_token = Some(r.to_string());
    }
    t.expires_at = body
        .get("expires_in")
        .and_then(Value::as_u64)
        .map(|s| now() + s);
}

/// The tokens a connection uses, shared by its requests.
pub struct Auth {
    server: String,
    client: reqwest::Client,
    tokens: Mutex<Option<Tokens>>,
}

impl Auth {
    pub async fn load(server: &str, url: &str, client: reqwest::Client) -> Auth {
        Auth {
            server: server.to_string(),
            client,
            tokens: Mutex::new(load(server, url).await),
        }
    }

    /// The access token to send, refreshed first if it has expired.
    pub async fn bearer(&self) -> Option<String> {
        let expired = {
            let t = self.tokens.lock().await;
            let t = t.as_ref()?;
            t.expires_at.is_some_and(|e| e <= now() + 1)
        };
        if expired {
            self.refresh().await;
        }
        self.tokens
            .lock()
            .await
            .as_ref()
            .map(|t| t.access_token.clone())
    }

    /// Reads the stored tokens again (after a sign-in).
    pub async fn reload(&self, url: &str) {
        *self.tokens.lock().await = load(&self.server, url).await;
    }

    /// The access token in use, if any.
    pub async fn current(&self) -> Option<String> {
        self.tokens
            .lock()
            .await
            .as_ref()
            .map(|t| t.access_token.clone())
    }

    /// The server refused `sent`: refreshes (unless another request already
    /// did). False when there is nothing left to try: the tokens are then
    /// forgotten, and the server needs a login.
    pub async fn refused(&self, sent: &str) -> bool {
        {
            let t = self.tokens.lock().await;
            match t.as_ref() {
                None => return false,
                Some(t) if t.access_token != sent => return true,
                Some(_) => {}
            }
        }
        self.refresh().await
    }

    async fn refresh(&self) -> bool {
        let mut guard = self.tokens.lock().await;
        let Some(t) = guard.as_mut() else {
            return false;
        };
        let ok = match t.refresh_token.clone() {
            Some(r) => {
                let form = vec![
                    ("grant_type", "refresh_token".to_string()),
                    ("refresh_token", r),
                    ("resource", t.audience.clone().unwrap_or(t.resource.clone())),
                ];
                let secret = t.client_secret.clone();
                match token_request(
                    &self.client,
                    &t.token_endpoint,
                    form,
                    &t.client_id,
                    secret.as_deref(),
                    &t.auth_method,
                )
                .await
                {
                    Ok(body) => {
                        absorb(t, &body);
                        let _ = save(&self.server, t).await;
                        true
                    }
                    Err(_) => false,
                }
            }
            None => false,
        };
        if !ok {
            *guard = None;
            forget(&self.server).await;
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_read_by_parameter() {
        let h = r#"Bearer error="invalid_token", resource_metadata="http://127.0.0.1:9/.well-known/oauth-protected-resource", scope="read write""#;
        assert_eq!(
            challenge_param(h, "resource_metadata").as_deref(),
            Some("http://127.0.0.1:9/.well-known/oauth-protected-resource")
        );
        assert_eq!(challenge_param(h, "scope").as_deref(), Some("read write"));
        assert_eq!(challenge_param(h, "realm"), None);
        assert_eq!(
            challenge_param("Bearer scope=a,x=\"q\\\"\"", "x").as_deref(),
            Some("q\"")
        );
        assert_eq!(challenge_param("Bearer", "scope"), None);
    }

    #[test]
    fn basic_credentials_are_form_encoded_first() {
        // "a b:c&d" -> "a+b:c%26d"
        assert_eq!(basic("a b", "c&d"), "Basic YStiOmMlMjZk");
    }
}
