//! wisp's stand-in for the `lazy-regex` crate: the macros termimad uses,
//! compiled once on first use, over `regex` without its full Unicode tables.

// The macros name `::lazy_regex`, which this crate is to itself too.
extern crate self as lazy_regex;

pub use lazy_regex_macros::{regex, regex_is_match, regex_switch};

/// Where each macro keeps its compiled regex.
pub type Lazy = std::sync::OnceLock<regex::Regex>;

/// Compiles a pattern the macros checked at build time.
pub fn compile(pattern: &str) -> regex::Regex {
    match regex::Regex::new(pattern) {
        Ok(re) => re,
        // The macros reject an invalid pattern at build time; this cannot be
        // reached with a literal that compiled there.
        Err(e) => panic!("invalid regex {pattern:?}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn color(s: &str) -> Option<String> {
        regex_switch!(s,
            r"^rgb\((?<r>\d+),\s*(?<g>\d+)\)$"i => format!("{r}/{g}"),
            "black"i => "black".to_string(),
        )
    }

    #[test]
    fn macros_match_as_the_real_ones_do() {
        assert!(regex_is_match!("bold"i, "BOLD"));
        assert!(!regex_is_match!("bold", "BOLD"));
        let words: Vec<&str> = regex!(r#"[^\s()]+(\([\w,\s]+\))?"#)
            .find_iter("bold rgb(1, 2) x")
            .map(|m| m.as_str())
            .collect();
        assert_eq!(words, ["bold", "rgb(1, 2)", "x"]);
        assert_eq!(color("RGB(3, 4)").as_deref(), Some("3/4"));
        assert_eq!(color("Black").as_deref(), Some("black"));
        assert_eq!(color("white"), None);
    }
}
