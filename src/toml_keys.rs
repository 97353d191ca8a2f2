//! The top-level key names of a TOML document, found by a line scan. Used to name the keys a
//! project's config may not set: the document has already been parsed (and checked against
//! the known keys) by `basic_toml`, so the scan only has to find names, and a second generic
//! deserialisation of the whole document would cost more binary than this.

use std::collections::BTreeSet;

/// Sorted, once each: plain and dotted keys before the first table (`a = 1`, `a.b = 1` → `a`),
/// and the first segment of every table header (`[a.b]`, `[[a]]` → `a`).
pub fn top_level(text: &str) -> Vec<String> {
    let mut keys = BTreeSet::new();
    let mut in_table = false;
    let mut depth = 0i32;
    let mut multi: Option<&str> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some(q) = multi {
            if t.contains(q) {
                multi = None;
            }
            continue;
        }
        if depth > 0 {
            depth += brackets(t);
            continue;
        }
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.starts_with('[') {
            let name = t
                .trim_start_matches('[')
                .split(['.', ']'])
                .next()
                .unwrap_or("");
            keys.insert(unquote(name));
            in_table = true;
            continue;
        }
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        if !in_table {
            keys.insert(unquote(k.split('.').next().unwrap_or("")));
        }
        let v = v.trim_start();
        for q in ["\"\"\"", "'''"] {
            if let Some(rest) = v.strip_prefix(q) {
                if !rest.contains(q) {
                    multi = Some(q);
                }
            }
        }
        if multi.is_none() {
            depth = brackets(v);
        }
    }
    keys.into_iter().filter(|k| !k.is_empty()).collect()
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches(['"', '\'']).to_string()
}

/// Open `[`/`{` minus closed `]`/`}` outside strings and comments.
fn brackets(s: &str) -> i32 {
    let mut n = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in s.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '[' | '{' => n += 1,
                ']' | '}' => n -= 1,
                '#' => break,
                _ => {}
            },
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_top_level_names_only() {
        let doc = r#"
# comment = 1
mode = "guarded"
allow = [
  "bash(x = y)",
  "edit",
]
test_command = """
a = b
[not.a.table]
"""
"retries" = 3
providers.openai.model = "m"
prices = { "m" = { input = 1.0, output = 2.0 } }

[aliases.fast]
provider = "openai"
model = "x"

[[odd]]
inner = 1
"#;
        assert_eq!(
            top_level(doc),
            vec![
                "aliases",
                "allow",
                "mode",
                "odd",
                "prices",
                "providers",
                "retries",
                "test_command"
            ]
        );
    }
}
