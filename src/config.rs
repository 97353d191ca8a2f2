//! Settings: `config.toml`, then environment variables, then flags.

use crate::cli::Cli;
use crate::provider::effort::Effort;
use crate::provider::ProviderId;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The user's `config.toml`, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct File {
    pub provider: Option<String>,
    pub model: Option<String>,
    pub mode: Option<String>,
    pub max_steps: Option<u32>,
    pub max_tokens: Option<u32>,
    pub retries: Option<u32>,
    /// Seconds a stream may stay silent before it counts as broken.
    pub idle_timeout: Option<u64>,
    pub safe_commands: Vec<String>,
    pub allow: Vec<String>,
    pub protected: Vec<String>,
    pub providers: BTreeMap<String, ProviderFile>,
    /// Tokens the model's context holds, when the built-in table does not know it.
    pub context_window: Option<u64>,
    /// Percent of the context window at which older turns are compacted (0: never).
    pub compact_threshold: Option<u8>,
    /// Where `/worktree new` puts worktrees (default: `<repo>-worktrees/` beside the repo).
    pub worktree_dir: Option<String>,
    /// The project's test command for `/plan run` (default: detected).
    pub test_command: Option<String>,
    /// The plan file, relative to the working directory (default `PLAN.md`).
    pub plan_file: Option<String>,
    /// Attempts per plan item before the loop stops (default 3).
    pub plan_attempts: Option<u32>,
    /// Screen-reader mode, as `--plain`.
    pub plain: Option<bool>,
    /// In screen-reader mode, the model's markdown as written, as `--raw-markdown`.
    pub raw_markdown: Option<bool>,
    /// Ollama's context length (`options.num_ctx`).
    pub num_ctx: Option<u32>,
    /// `task` calls of one step that run at once (default 4).
    pub max_parallel_tasks: Option<usize>,
    /// Background commands that may run at once (default 8).
    pub max_background: Option<usize>,
    /// Print a one-line usage and cost summary after each turn (default true).
    pub usage_line: Option<bool>,
    /// Price overrides, USD per million tokens, by model name.
    pub prices: BTreeMap<String, crate::provider::pricing::Price>,
    /// Short names for provider and model pairs: `/model fast`.
    pub aliases: BTreeMap<String, Alias>,
    /// Thinking effort: off, low, medium, high (unset: the provider's default).
    pub effort: Option<String>,
    /// Show the model's thinking in full (default: a one-line summary).
    pub thinking: Option<bool>,
    /// `[limits]`: sizes of what wisp reads from outside and saves.
    pub limits: LimitsFile,
    /// `[sandbox]`: how commands run for the model are contained.
    pub sandbox: SandboxFile,
}

/// `[limits] message = 8388608, saved_output = 67108864, session_output = 536870912` (bytes).
#[derive(Debug, Default, Deserialize, Clone, Copy)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsFile {
    pub message: Option<u64>,
    pub saved_output: Option<u64>,
    pub session_output: Option<u64>,
}

/// `[sandbox] mode = "workspace-write", writable = [...], network = false, env_passthrough = [...]`.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxFile {
    pub mode: Option<String>,
    pub writable: Vec<String>,
    pub network: Option<bool>,
    pub env_passthrough: Vec<String>,
}

/// `[aliases.fast] provider = "openrouter", model = "openai/gpt-4.1-mini"`.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct Alias {
    pub provider: Option<String>,
    pub model: String,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderFile {
    pub base_url: Option<String>,
    /// Name of the environment variable holding the key (never the key itself).
    pub api_key_env: Option<String>,
    pub model: Option<String>,
    /// OpenAI's wire format: "responses" or "chat" (default: Responses for
    /// OpenAI's own endpoint, Chat Completions for any other).
    pub wire: Option<String>,
}

/// Everything resolved: what wisp runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub provider: ProviderId,
    /// True when nothing chose a provider and wisp fell back to local Ollama.
    pub provider_defaulted: bool,
    pub model: String,
    pub base_url: String,
    pub api_key: Option<String>,
    pub mode: String,
    pub max_steps: u32,
    pub max_tokens: Option<u32>,
    pub retries: u32,
    pub idle_timeout: u64,
    pub safe_commands: Vec<String>,
    pub allow: Vec<String>,
    pub protected: Vec<String>,
    pub providers: BTreeMap<String, ProviderFile>,
    pub context_window: Option<u64>,
    pub compact_threshold: Option<u8>,
    pub worktree_dir: Option<String>,
    pub test_command: Option<String>,
    pub plan_file: String,
    pub plan_attempts: u32,
    pub num_ctx: Option<u32>,
    pub max_parallel_tasks: usize,
    pub max_background: usize,
    pub usage_line: bool,
    pub plain: bool,
    pub raw_markdown: bool,
    pub prices: BTreeMap<String, crate::provider::pricing::Price>,
    pub aliases: BTreeMap<String, Alias>,
    pub effort: Option<Effort>,
    pub show_thinking: bool,
    pub limits: LimitsFile,
    pub sandbox: crate::sandbox::SandboxPolicy,
}

/// The sandbox from `--sandbox`, `WISP_SANDBOX` and `[sandbox]`.
pub fn sandbox_policy(
    file: &SandboxFile,
    cli: &Cli,
) -> Result<crate::sandbox::SandboxPolicy, String> {
    use crate::sandbox::Mode;
    let (name, from) = match (&cli.sandbox, env("WISP_SANDBOX"), &file.mode) {
        (Some(m), _, _) => (m.clone(), "--sandbox"),
        (None, Some(m), _) => (m, "WISP_SANDBOX"),
        (None, None, Some(m)) => (m.clone(), "[sandbox] mode"),
        (None, None, None) => ("workspace-write".into(), ""),
    };
    let mode = Mode::parse(&name).ok_or_else(|| {
        format!("{from}: unknown sandbox mode `{name}` (workspace-write, read-only, off)")
    })?;
    let mut writable = Vec::new();
    for w in &file.writable {
        let p = match w.strip_prefix("~/") {
            Some(rest) => crate::paths::home().join(rest),
            None => std::path::PathBuf::from(w),
        };
        if !p.is_absolute() {
            return Err(format!(
                "[sandbox] writable: `{w}` is not an absolute path (or ~/...)"
            ));
        }
        writable.push(p);
    }
    Ok(crate::sandbox::SandboxPolicy {
        mode,
        writable,
        network: file.network.unwrap_or(false),
        env_passthrough: file.env_passthrough.clone(),
        secret_vars: Vec::new(),
    })
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Reads `$XDG_CONFIG_HOME/wisp/config.toml`; a missing file is an empty config.
pub fn load_file() -> Result<File, String> {
    let path = crate::paths::config_dir().join("config.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => basic_toml::from_str(&text).map_err(|e| {
            format!(
                "{}: {}",
                path.display(),
                crate::provider::one_line(&e.to_string())
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(File::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

pub fn default_model(p: ProviderId) -> &'static str {
    match p {
        ProviderId::OpenAi => "gpt-4.1-mini",
        ProviderId::OpenRouter => "openai/gpt-4.1-mini",
        ProviderId::Anthropic => "claude-sonnet-4-5",
        ProviderId::Gemini => "gemini-2.5-flash",
        ProviderId::Ollama => "llama3.2",
    }
}

/// The conventional environment variables of each provider: (key, base URL).
pub fn env_names(p: ProviderId) -> (&'static str, &'static str) {
    match p {
        ProviderId::OpenAi => ("OPENAI_API_KEY", "OPENAI_BASE_URL"),
        ProviderId::OpenRouter => ("OPENROUTER_API_KEY", "OPENROUTER_BASE_URL"),
        ProviderId::Anthropic => ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
        ProviderId::Gemini => ("GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL"),
        ProviderId::Ollama => ("", "OLLAMA_HOST"),
    }
}

fn default_base_url(p: ProviderId) -> &'static str {
    match p {
        ProviderId::OpenAi => "https://api.openai.com/v1",
        ProviderId::OpenRouter => "https://openrouter.ai/api/v1",
        ProviderId::Anthropic => "https://api.anthropic.com",
        ProviderId::Gemini => "https://generativelanguage.googleapis.com",
        ProviderId::Ollama => "http://127.0.0.1:11434",
    }
}

/// `OLLAMA_HOST` is `host:port`, with or without a scheme.
pub fn ollama_url(host: &str) -> String {
    let h = host.trim().trim_end_matches('/');
    if h.starts_with("http://") || h.starts_with("https://") {
        h.to_string()
    } else {
        format!("http://{h}")
    }
}

impl Settings {
    pub fn resolve(file: File, cli: &Cli) -> Result<Settings, String> {
        // A bad value names where it came from: the flag, the variable or the file.
        let file_path = || crate::paths::config_dir().join("config.toml");
        let chosen = cli
            .provider
            .clone()
            .map(|p| (p, "--provider".to_string()))
            .or_else(|| env("WISP_PROVIDER").map(|p| (p, "WISP_PROVIDER".to_string())))
            .or_else(|| {
                let where_ = format!("{}: provider", file_path().display());
                file.provider.clone().map(|p| (p, where_))
            });
        let provider_defaulted = chosen.is_none();
        let provider = match chosen {
            Some((name, from)) => ProviderId::parse(&name).ok_or_else(|| {
                format!("{from}: unknown provider `{name}` (expected openai, openrouter, anthropic, gemini or ollama)")
            })?,
            None => ProviderId::Ollama,
        };
        let effort = match cli
            .effort
            .clone()
            .or_else(|| env("WISP_EFFORT"))
            .or(file.effort)
        {
            Some(e) => Some(Effort::parse(&e).ok_or_else(|| {
                format!("unknown effort `{e}` (expected off, low, medium or high)")
            })?),
            None => None,
        };
        let sandbox = sandbox_policy(&file.sandbox, cli)?;
        if let (None, Some(m)) = (&cli.mode, &file.mode) {
            if crate::permissions::Mode::parse(m).is_none() {
                return Err(format!(
                    "{}: mode: unknown mode `{m}` (restrictive, guarded, accept-edits, standard)",
                    file_path().display()
                ));
            }
        }
        let mut s = Settings {
            provider,
            provider_defaulted,
            model: String::new(),
            base_url: String::new(),
            api_key: None,
            mode: cli
                .mode
                .clone()
                .or(file.mode.clone())
                .unwrap_or_else(|| "standard".into()),
            max_steps: cli.max_steps.or(file.max_steps).unwrap_or(50),
            max_tokens: file.max_tokens,
            retries: file.retries.unwrap_or(3),
            idle_timeout: file.idle_timeout.unwrap_or(120),
            safe_commands: file.safe_commands,
            allow: file.allow,
            protected: file.protected,
            providers: file.providers,
            context_window: file.context_window,
            compact_threshold: file.compact_threshold,
            worktree_dir: file.worktree_dir,
            test_command: cli.test.clone().or(file.test_command),
            plan_file: cli
                .plan
                .clone()
                .or(file.plan_file)
                .unwrap_or_else(|| "PLAN.md".into()),
            plan_attempts: file.plan_attempts.unwrap_or(3).max(1),
            num_ctx: file.num_ctx,
            max_parallel_tasks: file.max_parallel_tasks.unwrap_or(4).max(1),
            max_background: file.max_background.unwrap_or(8).max(1),
            usage_line: file.usage_line.unwrap_or(true),
            plain: file.plain.unwrap_or(false),
            raw_markdown: file.raw_markdown.unwrap_or(false),
            prices: file.prices,
            aliases: file.aliases,
            effort,
            show_thinking: file.thinking.unwrap_or(false),
            limits: file.limits,
            sandbox,
        };
        s.allow.extend(cli.allow.iter().cloned());
        let model = cli
            .model
            .clone()
            .or_else(|| env("WISP_MODEL"))
            .or(file.model);
        // A model name may be an alias that also names the provider.
        match model.as_deref().and_then(|m| s.aliases.get(m)).cloned() {
            Some(a) => {
                let p = a
                    .provider
                    .as_deref()
                    .and_then(ProviderId::parse)
                    .unwrap_or(provider);
                s.select(p, Some(a.model));
            }
            None => s.select(provider, model),
        }
        Ok(s)
    }

    /// The variable to set when the provider's official endpoint has no key
    /// (a custom base URL may be a local server that needs none).
    pub fn missing_key(&self) -> Option<String> {
        let (var, _) = env_names(self.provider);
        let official = self.base_url.trim_end_matches('/') == default_base_url(self.provider);
        if var.is_empty() || self.api_key.is_some() || !official {
            return None;
        }
        let custom = self
            .providers
            .get(self.provider.as_str())
            .and_then(|p| p.api_key_env.clone());
        Some(custom.unwrap_or_else(|| var.to_string()))
    }

    /// Points the settings at a provider: its endpoint, key and model.
    pub fn select(&mut self, provider: ProviderId, model: Option<String>) {
        let pf = self
            .providers
            .get(provider.as_str())
            .cloned()
            .unwrap_or_default();
        let (key_var, url_var) = env_names(provider);
        let key_var = pf
            .api_key_env
            .clone()
            .unwrap_or_else(|| key_var.to_string());
        self.api_key = if key_var.is_empty() {
            None
        } else {
            env(&key_var).or_else(|| {
                (provider == ProviderId::Gemini)
                    .then(|| env("GOOGLE_API_KEY"))
                    .flatten()
            })
        };
        let url = env(url_var)
            .or(pf.base_url)
            .unwrap_or_else(|| default_base_url(provider).to_string());
        self.base_url = if provider == ProviderId::Ollama {
            ollama_url(&url)
        } else {
            url
        };
        self.model = model
            .or(pf.model)
            .unwrap_or_else(|| default_model(provider).to_string());
        self.provider = provider;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file_parses_and_rejects_typos() {
        let f: File = basic_toml::from_str(
            "provider = \"openai\"\nmax_steps = 9\n[providers.openai]\nbase_url = \"http://127.0.0.1:1/v1\"\n",
        )
        .expect("parses");
        assert_eq!(f.max_steps, Some(9));
        assert_eq!(
            f.providers["openai"].base_url.as_deref(),
            Some("http://127.0.0.1:1/v1")
        );
        assert!(basic_toml::from_str::<File>("modle = \"x\"").is_err());
    }

    #[test]
    fn ollama_host_forms() {
        assert_eq!(ollama_url("127.0.0.1:11434"), "http://127.0.0.1:11434");
        assert_eq!(ollama_url("http://h:1/"), "http://h:1");
    }
}
