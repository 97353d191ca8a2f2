//! The prompt file format: `key: value` front matter between `---` fences,
//! then the body; and the substitution of `$ARGUMENTS`, `$1`, `$2`, ...

use crate::permissions::Mode;
use crate::provider::effort::Effort;

/// What a prompt file says about itself.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    pub name: Option<String>,
    pub description: Option<String>,
    pub mode: Option<Mode>,
    pub effort: Option<Effort>,
    /// A hint for what to type after the command (`[FILE]`, `<focus>`).
    pub arguments: Option<String>,
    pub body: String,
}

/// Splits a file into front matter and body. A file without front matter is
/// all body. Unknown keys are ignored so files written for other tools load;
/// an unknown mode is an error because running under another one would be wrong.
pub fn parse(text: &str) -> Result<Parsed, String> {
    let mut out = Parsed::default();
    let Some(fm) = crate::front_matter::split(text)? else {
        out.body = text.strip_prefix('\u{feff}').unwrap_or(text).to_string();
        return Ok(out);
    };
    for (key, value) in &fm.fields {
        let value = value.text();
        match key.as_str() {
            "name" => out.name = Some(value),
            "description" => out.description = Some(value),
            "arguments" | "argument-hint" => out.arguments = Some(value),
            "mode" => {
                out.mode = Some(Mode::parse(&value).ok_or_else(|| {
                    format!("unknown mode `{value}` (restrictive, guarded, accept-edits, standard)")
                })?)
            }
            "effort" => {
                out.effort =
                    Some(Effort::parse(&value).ok_or_else(|| {
                        format!("unknown effort `{value}` (off, low, medium, high)")
                    })?)
            }
            _ => {}
        }
    }
    out.body = fm.body;
    Ok(out)
}

/// The first non-empty line of a body, for files that carry no description.
pub fn first_line(body: &str) -> String {
    let line = body
        .lines()
        .map(|l| l.trim().trim_start_matches('#').trim())
        .find(|l| !l.is_empty())
        .unwrap_or("");
    line.chars().take(80).collect()
}

/// Replaces `$ARGUMENTS` with everything typed and `$1`, `$2`, ... with the
/// shell-style words of it (quotes group words; a missing one is empty).
/// A body with no placeholder gets the arguments appended, so nothing typed is lost.
pub fn substitute(body: &str, args: &str) -> String {
    let body = body.trim_end();
    let args = args.trim();
    let words =
        shlex::split(args).unwrap_or_else(|| args.split_whitespace().map(str::to_string).collect());
    let mut out = String::with_capacity(body.len() + args.len());
    let mut used = false;
    let mut rest = body;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix("ARGUMENTS") {
            out.push_str(args);
            used = true;
            rest = tail;
            continue;
        }
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        match after[..digits].parse::<usize>() {
            Ok(n) if n > 0 => {
                if let Some(w) = words.get(n - 1) {
                    out.push_str(w);
                }
                used = true;
                rest = &after[digits..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    if !used && !args.is_empty() {
        out.push_str("\n\nArguments: ");
        out.push_str(args);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_and_body() {
        let p = parse("---\nname: review\ndescription: \"Review the diff\"\nmode: guarded\narguments: [focus]\nallowed-tools: Bash(git diff:*)\n---\n\nBody $ARGUMENTS\n")
            .expect("parses");
        assert_eq!(p.name.as_deref(), Some("review"));
        assert_eq!(p.description.as_deref(), Some("Review the diff"));
        assert_eq!(p.mode, Some(Mode::Guarded));
        assert_eq!(p.effort, None);
        assert_eq!(p.arguments.as_deref(), Some("[focus]"));
        assert_eq!(p.body, "Body $ARGUMENTS\n");
        let high = parse("---\neffort: high\n---\nx").expect("parses");
        assert_eq!(high.effort, Some(Effort::High));
        assert!(parse("---\neffort: extreme\n---\nx").is_err());
    }

    #[test]
    fn no_front_matter_is_all_body() {
        let p = parse("# Fix it\nDo the thing.\n").expect("parses");
        assert_eq!(p.name, None);
        assert_eq!(first_line(&p.body), "Fix it");
    }

    #[test]
    fn malformed_front_matter_is_an_error() {
        assert!(parse("---\nname: x\ndescription: no fence\n")
            .expect_err("unclosed")
            .contains("closing"));
        assert!(parse("---\nmode: reckless\n---\nx")
            .expect_err("bad mode")
            .contains("reckless"));
        assert!(parse("---\njust words\n---\nx").is_err());
    }

    #[test]
    fn arguments_are_substituted() {
        assert_eq!(
            substitute("all=$ARGUMENTS one=$1 two=$2 three=[$3]", "a \"b c\" "),
            "all=a \"b c\" one=a two=b c three=[]"
        );
        assert_eq!(substitute("cost $5, $x, $", ""), "cost , $x, $");
        assert_eq!(substitute("$1$10", "a"), "a");
        assert_eq!(
            substitute("plain", "extra words"),
            "plain\n\nArguments: extra words"
        );
        assert_eq!(substitute("plain", ""), "plain");
        // An unbalanced quote still splits on whitespace.
        assert_eq!(substitute("$2", "it's here"), "here");
    }
}
