//! Model lists: each provider's own listing endpoint, with a short offline
//! fallback so `/model` always has something to offer.

use super::http::Http;
use super::pricing::Price;
use super::ProviderId;
use crate::config::Settings;
use serde_json::Value;

/// A model a provider offers, with its price when the provider publishes it.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelInfo {
    pub id: String,
    pub price: Option<Price>,
}

/// A few well-known models per provider, for when the listing cannot be fetched.
pub fn fallback(p: ProviderId) -> &'static [&'static str] {
    match p {
        ProviderId::OpenAi => &["gpt-5", "gpt-5-mini", "gpt-4.1", "gpt-4.1-mini", "o4-mini"],
        ProviderId::OpenRouter => &[
            "anthropic/claude-sonnet-4.5",
            "openai/gpt-5",
            "google/gemini-2.5-pro",
            "openai/gpt-4.1-mini",
        ],
        ProviderId::Anthropic => &["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"],
        ProviderId::Gemini => &[
            "gemini-2.5-pro",
            "gemini-2.5-flash",
            "gemini-2.5-flash-lite",
        ],
        ProviderId::Ollama => &["llama3.2", "qwen2.5-coder", "qwen3"],
    }
}

/// Fetches the provider's model list.
pub async fn list(s: &Settings, http: &Http) -> Result<Vec<ModelInfo>, String> {
    let base = s.base_url.trim_end_matches('/');
    let key = s.api_key.clone().unwrap_or_default();
    let name = s.provider.as_str();
    let (url, headers): (String, Vec<(&str, String)>) = match s.provider {
        ProviderId::OpenAi | ProviderId::OpenRouter => (
            format!("{base}/models"),
            vec![("authorization", format!("Bearer {key}"))],
        ),
        ProviderId::Anthropic => (
            format!("{base}/v1/models"),
            vec![
                ("x-api-key", key),
                ("anthropic-version", "2023-06-01".into()),
            ],
        ),
        ProviderId::Gemini => (
            format!("{base}/v1beta/models"),
            vec![("x-goog-api-key", key)],
        ),
        ProviderId::Ollama => (format!("{base}/api/tags"), Vec::new()),
    };
    let v = http
        .get_json(name, &url, &headers)
        .await
        .map_err(|e| e.to_string())?;
    Ok(parse(s.provider, &v))
}

/// Reads a listing in any of the providers' shapes.
pub fn parse(p: ProviderId, v: &Value) -> Vec<ModelInfo> {
    let items = match p {
        ProviderId::Gemini | ProviderId::Ollama => &v["models"],
        _ => &v["data"],
    };
    let mut out: Vec<ModelInfo> = items
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|m| {
            let id = m["id"].as_str().or_else(|| m["name"].as_str())?;
            let id = id.strip_prefix("models/").unwrap_or(id).to_string();
            // OpenRouter publishes USD per token, as strings.
            let per_token = |k: &str| m["pricing"][k].as_str().and_then(|s| s.parse::<f64>().ok());
            let price = match (per_token("prompt"), per_token("completion")) {
                (Some(i), Some(o)) => Some(Price {
                    input: i * 1e6,
                    output: o * 1e6,
                    cache_read: per_token("input_cache_read").unwrap_or(0.0) * 1e6,
                    cache_write: per_token("input_cache_write").unwrap_or(0.0) * 1e6,
                }),
                _ => None,
            };
            Some(ModelInfo { id, price })
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_each_shape() {
        let or = json!({"data": [{"id": "openai/gpt-4.1", "pricing": {"prompt": "0.000002", "completion": "0.000008"}}]});
        let m = parse(ProviderId::OpenRouter, &or);
        assert_eq!(m[0].id, "openai/gpt-4.1");
        let price = m[0].price.expect("price");
        assert!((price.input - 2.0).abs() < 1e-9 && (price.output - 8.0).abs() < 1e-9);
        let g = json!({"models": [{"name": "models/gemini-2.5-flash"}]});
        assert_eq!(parse(ProviderId::Gemini, &g)[0].id, "gemini-2.5-flash");
        let o = json!({"models": [{"name": "qwen3:8b"}, {"name": "llama3.2:latest"}]});
        let ids: Vec<String> = parse(ProviderId::Ollama, &o)
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(ids, ["llama3.2:latest", "qwen3:8b"]);
        assert!(parse(ProviderId::OpenAi, &json!({"error": "x"})).is_empty());
    }

    #[test]
    fn ollama_models_come_from_api_tags() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().expect("accept");
            let mut req = [0u8; 1024];
            let n = conn.read(&mut req).expect("read");
            let body = r#"{"models":[{"name":"llama3.2:latest","size":1},{"name":"qwen3:8b"}]}"#;
            write!(conn, "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).expect("write");
            String::from_utf8_lossy(&req[..n]).into_owned()
        });
        let cli = crate::cli::parse(["--provider".to_string(), "ollama".to_string()]).expect("cli");
        let mut s = Settings::resolve(crate::config::File::default(), &cli).expect("settings");
        s.base_url = format!("http://127.0.0.1:{port}");
        let http = Http::new(Default::default(), std::time::Duration::from_secs(5));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let models: Vec<String> = rt
            .block_on(list(&s, &http))
            .expect("models")
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(models, ["llama3.2:latest", "qwen3:8b"]);
        assert!(server.join().expect("server").starts_with("GET /api/tags "));
    }
}
