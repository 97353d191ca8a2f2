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

#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub calls: Vec<Call>,
}

impl Ledger {
    pub fn record(&mut self, model: &str, usage: Usage, cost: Option<f64>) {
        self.calls.push(Call {
            model: model.to_string(),
            usage,
            cost,
        });
    }

    /// Totals of the calls from index `from` on: tokens, known cost, and
    /// whether any call's price was unknown.
    pub fn since(&self, from: usize) -> (Usage, f64, bool) {
        let mut u = Usage::default();
        let mut cost = 0.0;
        let mut unknown = false;
        for c in self.calls.iter().skip(from) {
            u.add(&c.usage);
            match c.cost {
                Some(x) => cost += x,
                None => unknown = true,
            }
        }
        u.cost = 0.0;
        (u, cost, unknown)
    }

    pub fn total(&self) -> (Usage, f64, bool) {
        self.since(0)
    }
}

/// `1,234 in · 56 out · 1,000 cached · $0.0123`
pub fn summary(u: &Usage, cost: f64, unknown: bool) -> String {
    let mut s = format!("{} in · {} out", thousands(u.input), thousands(u.output));
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
        l.record("b", u, None);
        let (t, cost, unknown) = l.total();
        assert_eq!((t.input, t.output, t.cache_read), (2400, 60, 2000));
        assert!(unknown);
        assert_eq!(
            summary(&t, cost, unknown),
            "2,400 in · 60 out · 2,000 cache read · $0.0100+"
        );
        let (_, c1, u1) = l.since(1);
        assert_eq!((c1, u1), (0.0, true));
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
