//! What a model call costs: a built-in price table for the common models of
//! each provider (USD per million tokens), overridable in config. Providers
//! that report the cost themselves (OpenRouter) take precedence.

use crate::agent::conversation::Usage;
use serde::Deserialize;
use std::collections::BTreeMap;

/// USD per million tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Price {
    pub input: f64,
    pub output: f64,
    pub cache_read: f64,
    pub cache_write: f64,
}

const fn p(input: f64, output: f64, cache_read: f64, cache_write: f64) -> Price {
    Price {
        input,
        output,
        cache_read,
        cache_write,
    }
}

/// Longest matching prefix wins, so dated snapshots share their family's price.
const BUILTIN: &[(&str, Price)] = &[
    ("gpt-5-nano", p(0.05, 0.40, 0.005, 0.0)),
    ("gpt-5-mini", p(0.25, 2.00, 0.025, 0.0)),
    ("gpt-5", p(1.25, 10.00, 0.125, 0.0)),
    ("gpt-4.1-nano", p(0.10, 0.40, 0.025, 0.0)),
    ("gpt-4.1-mini", p(0.40, 1.60, 0.10, 0.0)),
    ("gpt-4.1", p(2.00, 8.00, 0.50, 0.0)),
    ("gpt-4o-mini", p(0.15, 0.60, 0.075, 0.0)),
    ("gpt-4o", p(2.50, 10.00, 1.25, 0.0)),
    ("o4-mini", p(1.10, 4.40, 0.275, 0.0)),
    // Reasoning models: their thinking tokens are billed as output.
    ("o3-pro", p(20.00, 80.00, 0.0, 0.0)),
    ("o3-mini", p(1.10, 4.40, 0.55, 0.0)),
    ("o3", p(2.00, 8.00, 0.50, 0.0)),
    ("o1-mini", p(1.10, 4.40, 0.55, 0.0)),
    ("o1", p(15.00, 60.00, 7.50, 0.0)),
    ("claude-opus-4", p(15.00, 75.00, 1.50, 18.75)),
    ("claude-sonnet-4", p(3.00, 15.00, 0.30, 3.75)),
    ("claude-3-7-sonnet", p(3.00, 15.00, 0.30, 3.75)),
    ("claude-haiku-4", p(1.00, 5.00, 0.10, 1.25)),
    ("claude-3-5-haiku", p(0.80, 4.00, 0.08, 1.00)),
    ("gemini-2.5-pro", p(1.25, 10.00, 0.31, 0.0)),
    ("gemini-2.5-flash-lite", p(0.10, 0.40, 0.025, 0.0)),
    ("gemini-2.5-flash", p(0.30, 2.50, 0.075, 0.0)),
];

/// Prices in force: config overrides first, then the built-in table.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub overrides: BTreeMap<String, Price>,
}

impl Table {
    /// The price of `model`; OpenRouter-style `vendor/model` ids match on the model part.
    pub fn price(&self, model: &str) -> Option<Price> {
        if let Some(p) = self.overrides.get(model) {
            return Some(*p);
        }
        let bare = model.rsplit('/').next().unwrap_or(model);
        BUILTIN
            .iter()
            .filter(|(prefix, _)| bare.starts_with(prefix))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, p)| *p)
    }

    /// The cost of one call in USD, None when the price is unknown.
    pub fn cost(&self, model: &str, u: &Usage, local: bool) -> Option<f64> {
        if u.cost > 0.0 {
            return Some(u.cost);
        }
        if local {
            return Some(0.0);
        }
        let p = self.price(model)?;
        let m = 1_000_000.0;
        Some(
            (u.input as f64 * p.input
                + u.output as f64 * p.output
                + u.cache_read as f64 * p.cache_read
                + u.cache_write as f64 * p.cache_write)
                / m,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_match_families_and_overrides() {
        let mut t = Table::default();
        let u = Usage {
            input: 1_000_000,
            output: 100_000,
            cache_read: 2_000_000,
            cache_write: 0,
            reasoning: 0,
            cost: 0.0,
        };
        // 3.00 + 1.50 + 0.60
        let c = t
            .cost("claude-sonnet-4-5-20250929", &u, false)
            .expect("known");
        assert!((c - 5.10).abs() < 1e-9, "{c}");
        assert_eq!(t.price("openai/gpt-4.1-mini"), t.price("gpt-4.1-mini"));
        assert_ne!(t.price("gpt-4.1-mini"), t.price("gpt-4.1"));
        assert_eq!(t.cost("my-local-model", &u, false), None);
        assert_eq!(t.cost("llama3.2", &u, true), Some(0.0));
        t.overrides
            .insert("my-local-model".into(), p(1.0, 0.0, 0.0, 0.0));
        assert_eq!(t.cost("my-local-model", &u, false), Some(1.0));
        let reported = Usage { cost: 0.42, ..u };
        assert_eq!(t.cost("gpt-4.1", &reported, false), Some(0.42));
    }
}
