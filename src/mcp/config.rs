//! The `mcpServers` JSON other tools use, read from the user's
//! `$XDG_CONFIG_HOME/wisp/mcp.json` and the project's `.mcp.json`.
//!
//! Project servers run commands chosen by whoever wrote the repository, so
//! they start only after the user approves that file once; the answer is
//! remembered per project path and file hash, so a changed file asks again.

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// How to reach a server.
#[derive(Clone, Debug, PartialEq)]
pub enum Transport {
    Stdio {
        command: String,
        args: Vec<String>,
        env: Vec<(String, String)>,
        cwd: Option<String>,
    },
    /// Streamable HTTP.
    Http {
        url: String,
        headers: Vec<(String, String)>,
    },
    /// The older HTTP+SSE transport.
    Sse {
        url: String,
        headers: Vec<(String, String)>,
    },
}

impl Transport {
    pub fn label(&self) -> &'static str {
        match self {
            Transport::Stdio { .. } => "stdio",
            Transport::Http { .. } => "http",
            Transport::Sse { .. } => "sse",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServerConfig {
    pub name: String,
    pub transport: Transport,
    pub disabled: bool,
    /// Defined in the project's `.mcp.json` rather than the user's file.
    pub project: bool,
    /// `"trust": true` in the user's own mcp.json: its read-only tools
    /// (`readOnlyHint`) run without asking in standard mode. A project's
    /// `.mcp.json` cannot grant this.
    pub trusted: bool,
    /// `"oauth": {"clientId", "clientSecret", "callbackPort"}`: the client to
    /// sign in with where the server offers no registration.
    pub oauth: super::oauth::OAuthClient,
}

/// Expands `${VAR}` and `${VAR:-default}`; an unset variable becomes empty.
pub fn expand(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let inner = &after[..end];
        let (var, default) = match inner.split_once(":-") {
            Some((v, d)) => (v, Some(d)),
            None => (inner, None),
        };
        match std::env::var(var) {
            Ok(v) if !v.is_empty() => out.push_str(&v),
            _ => out.push_str(default.unwrap_or("")),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(expand).collect())
        .unwrap_or_default()
}

fn pairs(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), expand(s))))
                .collect()
        })
        .unwrap_or_default()
}

/// Server names are letters, digits and `-`: a `_` would let `git__evil`
/// own tools named like another server's (`mcp__git__evil__x`).
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        let shown: String = name
            .chars()
            .flat_map(char::escape_default)
            .take(60)
            .collect();
        Err(format!(
            "server `{shown}`: a name is 1 to 40 letters, digits or `-`; rename it"
        ))
    }
}

fn oauth_client(v: Option<&Value>) -> super::oauth::OAuthClient {
    let text = |k: &str| v.and_then(|v| v.get(k)).and_then(Value::as_str).map(expand);
    super::oauth::OAuthClient {
        client_id: text("clientId"),
        client_secret: text("clientSecret"),
        callback_port: v
            .and_then(|v| v.get("callbackPort"))
            .and_then(Value::as_u64)
            .and_then(|p| u16::try_from(p).ok()),
    }
}

/// One server entry of `mcpServers`.
pub fn parse_server(name: &str, v: &Value, project: bool) -> Result<ServerConfig, String> {
    check_name(name)?;
    let url = v.get("url").and_then(Value::as_str).map(expand);
    let command = v.get("command").and_then(Value::as_str).map(expand);
    let kind = v.get("type").and_then(Value::as_str);
    let headers = pairs(v.get("headers"));
    let transport = match (kind, command, url) {
        (Some("stdio") | None, Some(command), _) => Transport::Stdio {
            command,
            args: strings(v.get("args")),
            env: pairs(v.get("env")),
            cwd: v.get("cwd").and_then(Value::as_str).map(expand),
        },
        (Some("http" | "streamable-http" | "streamableHttp") | None, _, Some(url)) => {
            Transport::Http { url, headers }
        }
        (Some("sse"), _, Some(url)) => Transport::Sse { url, headers },
        (Some(k), _, _) if !matches!(k, "stdio" | "http" | "sse") => {
            return Err(format!("server `{name}`: unknown type `{k}`"))
        }
        _ => return Err(format!("server `{name}`: needs a `command` or a `url`")),
    };
    Ok(ServerConfig {
        name: name.to_string(),
        transport,
        disabled: v.get("disabled").and_then(Value::as_bool).unwrap_or(false),
        project,
        trusted: !project && v.get("trust").and_then(Value::as_bool).unwrap_or(false),
        oauth: oauth_client(v.get("oauth")),
    })
}

/// Every server in a file's text; bad entries become warnings.
pub fn parse(text: &str, project: bool) -> Result<(Vec<ServerConfig>, Vec<String>), String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let mut servers = Vec::new();
    let mut warnings = Vec::new();
    if let Some(map) = v.get("mcpServers").and_then(Value::as_object) {
        for (name, entry) in map {
            match parse_server(name, entry, project) {
                Ok(s) => servers.push(s),
                Err(e) => warnings.push(e),
            }
        }
    }
    Ok((servers, warnings))
}

pub fn user_path() -> PathBuf {
    crate::paths::config_dir().join("mcp.json")
}

/// Approved project `.mcp.json` files: a changed file asks again.
const APPROVED: crate::trust::Approvals = crate::trust::Approvals("approved-mcp");

/// Reads both files. Runs once at start-up, before the prompt appears, so
/// reading synchronously (and asking on the terminal) is fine here.
pub fn load(cwd: &Path, can_ask: bool) -> (Vec<ServerConfig>, Vec<String>) {
    let mut servers: Vec<ServerConfig> = Vec::new();
    let mut warnings = Vec::new();
    let user = user_path();
    match std::fs::read_to_string(&user) {
        Ok(text) => match parse(&text, false) {
            Ok((s, w)) => {
                servers = s;
                warnings.extend(w.into_iter().map(|w| format!("{}: {w}", user.display())));
            }
            Err(e) => warnings.push(format!("{}: {e}", user.display())),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => warnings.push(format!("{}: {e}", user.display())),
    }
    let Ok(bytes) = std::fs::read(cwd.join(".mcp.json")) else {
        return (servers, warnings);
    };
    let text = String::from_utf8_lossy(&bytes);
    // Shown and decided on as written: nothing is expanded before the user says yes.
    let doc: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            warnings.push(format!(".mcp.json: not valid JSON: {e}"));
            return (servers, warnings);
        }
    };
    let enabled = super::approval::enabled(&doc);
    if enabled.is_empty() {
        return (servers, warnings);
    }
    let names: Vec<String> = enabled
        .iter()
        .map(|(n, _)| crate::render::safe::line(n).into_owned())
        .collect();
    let h = crate::trust::hash(&bytes);
    let mut ok = APPROVED.contains(cwd, &h);
    if !ok && can_ask {
        crate::render::println(&super::approval::question(&enabled));
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        ok = matches!(answer.trim(), "y" | "yes");
        if ok {
            if let Err(e) = APPROVED.remember(cwd, &h) {
                warnings.push(format!("could not remember the answer: {e}"));
            }
        }
    }
    if !ok {
        warnings.push(format!(
            "skipping the MCP servers of .mcp.json ({}): not approved; run wisp interactively here to approve them",
            names.join(", ")
        ));
        return (servers, warnings);
    }
    let project = match parse(&text, true) {
        Ok((s, w)) => {
            warnings.extend(w.into_iter().map(|w| format!(".mcp.json: {w}")));
            s
        }
        Err(e) => {
            warnings.push(format!(".mcp.json: {e}"));
            return (servers, warnings);
        }
    };
    for p in project {
        // The user's own server of that name stays: a repository cannot take over its name,
        // its trust or the allow rules written for it.
        if servers.iter().any(|s| s.name == p.name) {
            warnings.push(format!(
                ".mcp.json: server `{}` has the name of one of your own servers; yours is kept",
                crate::render::safe::line(&p.name)
            ));
            continue;
        }
        servers.push(p);
    }
    (servers, warnings)
}

/// Changes the user's `mcp.json` (keeping whatever else it holds).
pub async fn edit_user(
    change: impl FnOnce(&mut Map<String, Value>) -> Result<(), String>,
) -> Result<(), String> {
    let path = user_path();
    let mut doc: Value = match tokio::fs::read_to_string(&path).await {
        Ok(t) => serde_json::from_str(&t).map_err(|e| format!("{}: {e}", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Value::Object(Map::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let Some(root) = doc.as_object_mut() else {
        return Err(format!("{}: not a JSON object", path.display()));
    };
    let servers = root
        .entry("mcpServers")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(servers) = servers.as_object_mut() else {
        return Err(format!("{}: mcpServers is not an object", path.display()));
    };
    change(servers)?;
    if let Some(d) = path.parent() {
        tokio::fs::create_dir_all(d)
            .await
            .map_err(|e| format!("{}: {e}", d.display()))?;
    }
    let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    tokio::fs::write(&path, text + "\n")
        .await
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_shapes_and_expands_variables() {
        let home = std::env::var("HOME").unwrap_or_default();
        let text = r#"{"mcpServers": {
            "git": {"command": "uvx", "args": ["mcp-server-git"], "env": {"A": "1"}},
            "web": {"type": "http", "url": "http://127.0.0.1:9/mcp",
                    "headers": {"Authorization": "Bearer ${HOME}", "X": "${WISP_UNSET_VAR:-dflt}"}},
            "old": {"type": "sse", "url": "http://127.0.0.1:9/sse", "disabled": true},
            "bad": {"type": "carrier-pigeon"}
        }}"#;
        let (servers, warnings) = parse(text, false).expect("parses");
        assert_eq!(servers.len(), 3);
        assert_eq!(
            warnings,
            vec!["server `bad`: unknown type `carrier-pigeon`"]
        );
        let web = servers.iter().find(|s| s.name == "web").expect("web");
        assert_eq!(
            web.transport,
            Transport::Http {
                url: "http://127.0.0.1:9/mcp".into(),
                headers: vec![
                    ("Authorization".into(), format!("Bearer {home}")),
                    ("X".into(), "dflt".into())
                ]
            }
        );
        let old = servers.iter().find(|s| s.name == "old").expect("old");
        assert!(old.disabled);
        assert_eq!(old.transport.label(), "sse");
        let git = servers.iter().find(|s| s.name == "git").expect("git");
        assert_eq!(git.transport.label(), "stdio");
    }

    #[test]
    fn server_names_are_letters_digits_and_dashes() {
        let v = serde_json::json!({"command": "x"});
        assert!(parse_server("git-2", &v, false).is_ok());
        for bad in ["git__evil", "a_b", "a b", "", "é", "a.b", &"x".repeat(41)] {
            let e = parse_server(bad, &v, true).expect_err(bad);
            assert!(e.contains("letters, digits or `-`"), "{e}");
            assert!(!e.contains('\n'));
        }
    }

    #[test]
    fn expansion_leaves_plain_text_alone() {
        assert_eq!(expand("no vars"), "no vars");
        assert_eq!(expand("${WISP_UNSET_VAR}x"), "x");
        assert_eq!(expand("open ${"), "open ${");
    }

    #[test]
    fn only_the_users_own_file_can_trust_a_server() {
        let v = serde_json::json!({"command": "x", "trust": true});
        assert!(parse_server("a", &v, false).map(|s| s.trusted) == Ok(true));
        assert!(parse_server("a", &v, true).map(|s| s.trusted) == Ok(false));
    }
}
