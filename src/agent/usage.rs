//! The session's ledger: tokens and cost of every model call, for `/cost`,
//! the per-turn summary line and `-p --output-format json`.

use super::conversation::Usage;

/// One model call.
#[derive(Clone, Debug)]
pub struct Call {
    pub model: String,
    pub usage: Usage,
    /// None when the model's price is unknown.
    pub cost: Option<f64>,
}

/// How many calls `/cost` lists; older ones live on only in the totals, so
/// the ledger stays the same size however long the session runs.
const RECENT: usize = 10;

/// Tokens and cost summed over a run of calls.
#[derive(Clone, Copy, Debug, Default)]
pub struct Totals {
    pub usage: Usage,
    /// Known cost, USD.
    pub cost: f64,
    /// Calls whose price was unknown.
    pub unpriced: usize,
    pub calls: usize,
}

impl Totals {
    /// The calls made after `earlier`, a snapshot of the same ledger.
    pub fn since(&self, earlier: &Totals) -> Totals {
        let (a, b) = (&self.usage, &earlier.usage);
        Totals {
            usage: Usage {
                input: a.input - b.input,
                output: a.output - b.output,
                cache_read: a.cache_read - b.cache_read,
                cache_write: a.cache_write - b.cache_write,
                reasoning: a.reasoning - b.reasoning,
                cost: 0.0,
            },
            cost: self.cost - earlier.cost,
            unpriced: self.unpriced - earlier.unpriced,
            calls: self.calls - earlier.calls,
        }
    }

    /// `1,234 in · 56 out · 1,000 cache read · $0.0123`; a `+` after the cost
    /// when some calls had no known price.
    pub fn summary(&self) -> String {
        let (u, cost, unknown) = (&self.usage, self.cost, self.unpriced > 0);
        let mut s = format!("{} in · {} out", thousands(u.input), thousands(u.output));
        if u.reasoning > 0 {
            s.push_str(&format!(" ({} thinking)", thousands(u.reasoning)));
        }
        if u.cache_read > 0 {
            s.push_str(&format!(" · {} cache read", thousands(u.cache_read)));
        }
        if u.cache_write > 0 {
            s.push_str(&format!(" · {} cache write", thousands(u.cache_write)));
        }
        if unknown && cost == 0.0 {
            s.push_str(" · cost unknown");
        } else {
            s.push_str(&format!(" · ${cost:.4}{}", if unknown { "+" } else { "" }));
        }
        s
    }
}

#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// The latest calls, oldest first.
    pub recent: std::collections::VecDeque<Call>,
    pub total: Totals,
}

impl Ledger {
    pub fn record(&mut self, model: &str, usage: Usage, cost: Option<f64>) {
        let t = &mut self.total;
        t.usage.add(&usage);
        t.usage.cost = 0.0;
        t.calls += 1;
        match cost {
            Some(x) => t.cost += x,
            None => t.unpriced += 1,
        }
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(Call {
            model: model.to_string(),
            usage,
            cost,
        });
    }
}

impl Ledger {
    /// Adds another ledger's calls (a subagent's) to this one.
    pub fn absorb(&mut self, other: &Ledger) {
        let (t, o) = (&mut self.total, &other.total);
        t.usage.add(&o.usage);
        t.usage.cost = 0.0;
        t.cost += o.cost;
        t.unpriced += o.unpriced;
        t.calls += o.calls;
        for c in &other.recent {
            if self.recent.len() == RECENT {
                self.recent.pop_front();
            }
            self.recent.push_back(c.clone());
        }
    }
}

pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledger_sums_and_formats() {
        let mut l = Ledger::default();
        let u = Usage {
            input: 1200,
            output: 30,
            cache_read: 1000,
            ..Usage::default()
        };
        l.record("a", u, Some(0.01));
        let after_first = l.total;
        l.record("b", u, None);
        let t = l.total;
        assert_eq!(
            (t.usage.input, t.usage.output, t.usage.cache_read),
            (2400, 60, 2000)
        );
        assert_eq!(
            t.summary(),
            "2,400 in · 60 out · 2,000 cache read · $0.0100+"
        );
        let second = t.since(&after_first);
        assert_eq!((second.cost, second.unpriced, second.calls), (0.0, 1, 1));
        assert_eq!(
            second.summary(),
            "1,200 in · 30 out · 1,000 cache read · cost unknown"
        );
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn a_long_session_keeps_only_the_latest_calls() {
        let mut l = Ledger::default();
        for i in 0..25 {
            l.record(&format!("m{i}"), Usage::default(), Some(0.5));
        }
        assert_eq!(l.total.calls, 25);
        assert_eq!(l.total.cost, 12.5);
        assert_eq!(l.recent.len(), RECENT);
        assert_eq!(l.recent[0].model, "m15");
    }
}
