//! Model providers: each turns a request into a stream of deltas and a final
//! assistant message, speaking its own native wire format.
//!
//! One file per wire format; `sse.rs` splits Server-Sent Events, `retry.rs`
//! holds the backoff policy shared by all.

pub mod anthropic;
mod body;
pub mod effort;
pub mod gemini;
pub mod keyless;
pub mod models;
pub mod ollama;
pub mod openai;
pub mod pricing;
pub mod responses;
pub mod retry;
pub mod schema;
pub mod sse;
pub mod stream;

use crate::agent::conversation::{Message, Usage};
use crate::tools::ToolSpec;
use futures_util::future::LocalBoxFuture;
use std::fmt;
use std::time::Duration;

/// The wire formats wisp speaks, and the provider names users pick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderId {
    OpenAi,
    OpenRouter,
    Anthropic,
    Gemini,
    Ollama,
}

impl ProviderId {
    pub const ALL: [ProviderId; 5] = [
        ProviderId::OpenAi,
        ProviderId::OpenRouter,
        ProviderId::Anthropic,
        ProviderId::Gemini,
        ProviderId::Ollama,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderId::OpenAi => "openai",
            ProviderId::OpenRouter => "openrouter",
            ProviderId::Anthropic => "anthropic",
            ProviderId::Gemini => "gemini",
            ProviderId::Ollama => "ollama",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One model call.
pub struct Request<'a> {
    pub model: &'a str,
    pub system: &'a str,
    pub messages: &'a [Message],
    pub tools: &'a [ToolSpec],
    pub max_tokens: Option<u32>,
    /// Thinking effort; None sends nothing, so the provider's default applies.
    pub effort: Option<effort::Effort>,
    /// A key that keeps one session's calls on the same prompt cache (OpenAI).
    pub cache_key: Option<&'a str>,
}

/// Something that arrived in the stream, for live display.
#[derive(Debug, PartialEq)]
pub enum Delta<'a> {
    Text(&'a str),
    Thinking(&'a str),
    /// A tool call began; its arguments are still streaming.
    ToolCall {
        name: &'a str,
    },
    /// Not from the model: a note such as "retrying in 2s after HTTP 429".
    Status(&'a str),
}

/// Why the model stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    EndTurn,
    ToolUse,
    MaxTokens,
    Refusal,
    /// A reason wisp has no special handling for.
    Other,
}

/// The outcome of one model call.
#[derive(Debug)]
pub struct Reply {
    /// The assistant message, assembled from the stream.
    pub message: Message,
    pub stop: StopReason,
    pub usage: Usage,
}

/// A failed model call, shown to the user in one line.
#[derive(Debug, Clone)]
pub struct ProviderError {
    pub provider: &'static str,
    pub status: Option<u16>,
    pub message: String,
    /// Worth trying again (connection error, 429, 5xx, overload).
    pub retryable: bool,
    pub retry_after: Option<Duration>,
}

impl ProviderError {
    pub fn new(provider: &'static str, message: impl Into<String>) -> Self {
        ProviderError {
            provider,
            status: None,
            message: one_line(&message.into()),
            retryable: false,
            retry_after: None,
        }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(s) => write!(f, "{}: HTTP {}: {}", self.provider, s, self.message),
            None => write!(f, "{}: {}", self.provider, self.message),
        }
    }
}

/// Collapses whitespace so an error always fits one line.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(300));
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        if out.len() > 300 {
            // At a character boundary: truncating inside one would panic.
            let mut cut = 300;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            out.push('…');
            break;
        }
    }
    out
}

pub type DeltaSink<'a> = dyn FnMut(Delta<'_>) + 'a;

/// A model provider. Implementations live one per wire format.
pub trait Provider {
    fn id(&self) -> ProviderId;
    /// Streams one model call, reporting deltas as they arrive.
    fn stream<'a>(
        &'a self,
        req: Request<'a>,
        sink: &'a mut DeltaSink<'a>,
    ) -> LocalBoxFuture<'a, Result<Reply, ProviderError>>;
}

pub mod http;

/// Creates the provider the settings name.
pub fn build(s: &crate::config::Settings) -> Result<Box<dyn Provider>, String> {
    // With no provider chosen, a missing local Ollama should say so at once.
    let retries = if s.provider_defaulted { 0 } else { s.retries };
    let policy = retry::Policy {
        retries,
        ..retry::Policy::default()
    };
    let http = http::Http::new(policy, Duration::from_secs(s.idle_timeout.max(1)));
    let wire = s
        .providers
        .get("openai")
        .and_then(|p| p.wire.as_deref())
        .filter(|_| s.provider == ProviderId::OpenAi);
    let responses = match wire {
        Some("responses") => true,
        Some("chat") => false,
        Some(other) => {
            return Err(format!(
                "[providers.openai] wire = \"{other}\": expected \"responses\" or \"chat\""
            ))
        }
        None => s.provider == ProviderId::OpenAi && responses::is_openai_endpoint(&s.base_url),
    };
    if let Some(var) = s.missing_key() {
        return Ok(Box::new(keyless::MissingKey {
            id: s.provider,
            var,
        }));
    }
    match s.provider {
        ProviderId::OpenAi if responses => Ok(Box::new(responses::Responses {
            base_url: s.base_url.clone(),
            api_key: s.api_key.clone(),
            http,
        })),
        ProviderId::OpenAi | ProviderId::OpenRouter => Ok(Box::new(openai::OpenAi {
            id: s.provider,
            base_url: s.base_url.clone(),
            api_key: s.api_key.clone(),
            // OpenRouter attributes requests to the app named here.
            headers: if s.provider == ProviderId::OpenRouter {
                vec![("x-title", "wisp".to_string())]
            } else {
                Vec::new()
            },
            http,
        })),
        ProviderId::Ollama => Ok(Box::new(ollama::Ollama {
            base_url: s.base_url.clone(),
            num_ctx: s.num_ctx,
            http,
        })),
        ProviderId::Anthropic => Ok(Box::new(anthropic::Anthropic {
            base_url: s.base_url.clone(),
            api_key: s.api_key.clone(),
            http,
        })),
        ProviderId::Gemini => Ok(Box::new(gemini::Gemini {
            base_url: s.base_url.clone(),
            api_key: s.api_key.clone(),
            http,
        })),
    }
}
