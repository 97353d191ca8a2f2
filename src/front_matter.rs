//! Markdown files with front matter (prompts, skills, agent definitions):
//! `key: value` lines between `---` fences, then the body. Only the YAML that
//! such files use is read: scalars, optionally quoted, and lists given either
//! inline (`[a, b]`) or as `- item` lines under a key with no value. Anything
//! indented otherwise (a folded value) is skipped, so files written for other
//! tools still load.

/// One key's value.
#[derive(Debug, PartialEq)]
pub enum Value {
    Text(String),
    /// `- item` lines under the key.
    List(Vec<String>),
}

impl Value {
    /// The value as one string (a list's items joined by commas).
    pub fn text(&self) -> String {
        match self {
            Value::Text(t) => t.clone(),
            Value::List(items) => items.join(", "),
        }
    }

    /// The value as items: a list, or an inline `a, b` / `[a, b]`.
    pub fn items(&self) -> Vec<String> {
        match self {
            Value::List(items) => items.clone(),
            Value::Text(t) => t
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split(',')
                .map(|i| unquote(i.trim()).to_string())
                .filter(|i| !i.is_empty())
                .collect(),
        }
    }
}

/// A file's front matter (keys in order) and its body.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    pub fields: Vec<(String, Value)>,
    pub body: String,
}

/// Splits a file; None when it has no front matter (it is all body).
pub fn split(text: &str) -> Result<Option<Parsed>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    if lines.next().map(str::trim_end) != Some("---") {
        return Ok(None);
    }
    let mut consumed = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut out = Parsed::default();
    let mut closed = false;
    for line in lines {
        consumed += line.len();
        let l = line.trim_end();
        if l == "---" {
            closed = true;
            break;
        }
        // An item of the list the previous key opened.
        if let Some(item) = l.trim_start().strip_prefix("- ") {
            if let Some((_, v @ Value::List(_))) = out.fields.last_mut() {
                if let Value::List(items) = v {
                    items.push(unquote(item.trim()).to_string());
                }
                continue;
            }
        }
        if l.trim().is_empty() || l.trim_start().starts_with('#') || l.starts_with([' ', '\t']) {
            continue;
        }
        let Some((key, value)) = l.split_once(':') else {
            return Err(format!(
                "front matter line is not `key: value` (missing closing `---`?): {l}"
            ));
        };
        let value = unquote(value.trim());
        let value = if value.is_empty() {
            Value::List(Vec::new())
        } else {
            Value::Text(value.to_string())
        };
        out.fields.push((key.trim().to_string(), value));
    }
    if !closed {
        return Err("no closing `---` after the front matter".into());
    }
    out.body = text[consumed..]
        .trim_start_matches(['\n', '\r'])
        .to_string();
    Ok(Some(out))
}

/// A scalar without its surrounding quotes.
pub fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return &v[1..v.len() - 1];
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scalars_lists_and_the_body() {
        let p = split("---\nname: \"r\"\ntools:\n  - Read\n  - 'Grep'\nnote: >\n  folded\ndesc: x: y\n---\n\nBody\n")
            .expect("parses")
            .expect("has front matter");
        assert_eq!(p.fields[0], ("name".into(), Value::Text("r".into())));
        assert_eq!(p.fields[1].1.items(), ["Read", "Grep"]);
        assert_eq!(p.fields[2].1, Value::Text(">".into()));
        assert_eq!(p.fields[3].1.text(), "x: y");
        assert_eq!(p.body, "Body\n");
        assert_eq!(Value::Text("[a, 'b']".into()).items(), ["a", "b"]);
    }

    #[test]
    fn no_front_matter_and_broken_ones() {
        assert_eq!(split("# Title\n").expect("ok"), None);
        assert!(split("---\nname: x\n").is_err());
        assert!(split("---\njust words\n---\n").is_err());
    }
}
