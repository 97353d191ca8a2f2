//! One thinking-effort setting, and what each wire format makes of it.
//!
//! The user picks `off|low|medium|high`; unset sends nothing, so the
//! provider's own default applies. Each provider maps the level to its own
//! parameter in its request builder; the numbers that need choosing (token
//! budgets) live here so they are the same everywhere.

use super::ProviderError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effort {
    Off,
    Low,
    Medium,
    High,
}

impl Effort {
    pub const ALL: [Effort; 4] = [Effort::Off, Effort::Low, Effort::Medium, Effort::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Effort::Off => "off",
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Effort> {
        Effort::ALL
            .into_iter()
            .find(|e| e.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// `low|medium|high`, or None for `off`: the level names OpenAI,
    /// OpenRouter and Ollama's leveled models share.
    pub fn level(self) -> Option<&'static str> {
        (self != Effort::Off).then(|| self.as_str())
    }

    /// Thinking tokens for the formats that take a budget (Anthropic,
    /// Gemini). Anthropic's minimum is 1024; `max_tokens` is raised above
    /// the budget by the caller so an answer still fits after the thinking.
    pub fn budget(self) -> u32 {
        match self {
            Effort::Off => 0,
            Effort::Low => 2048,
            Effort::Medium => 8192,
            Effort::High => 24576,
        }
    }
}

/// Whether a failed call is the model refusing the effort parameter: an HTTP
/// 400 whose message names it. Such a call is retried once without it.
pub fn rejected(err: &ProviderError) -> bool {
    if err.status != Some(400) {
        return false;
    }
    let m = err.message.to_ascii_lowercase();
    ["reasoning", "thinking", "think", "effort"]
        .iter()
        .any(|p| m.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_levels_and_rejects_others() {
        assert_eq!(Effort::parse("HIGH"), Some(Effort::High));
        assert_eq!(Effort::parse(" off "), Some(Effort::Off));
        assert_eq!(Effort::parse("max"), None);
        assert_eq!(Effort::Off.level(), None);
        assert_eq!(Effort::Low.level(), Some("low"));
        assert!(Effort::Low.budget() >= 1024);
    }

    #[test]
    fn only_a_400_naming_the_parameter_counts_as_rejected() {
        let mut e = ProviderError::new("openai", "Unsupported parameter: 'reasoning_effort'");
        assert!(!rejected(&e), "no status: a connection error");
        e.status = Some(400);
        assert!(rejected(&e));
        e.message = "invalid model".into();
        assert!(!rejected(&e));
        e.message = "thinking is not supported".into();
        e.status = Some(500);
        assert!(!rejected(&e));
    }
}
