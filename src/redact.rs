//! Keeps secrets out of the files wisp writes. A command the model runs can print a provider key
//! (`echo $OPENAI_API_KEY`), and its output then flows into the transcript and saved outputs;
//! every value of a secret-looking environment variable is replaced by `[redacted NAME]` on the
//! way to disk. The values are read once, on the first write.

use std::borrow::Cow;
use std::sync::OnceLock;

/// Names that hold keys, tokens and passwords by convention.
fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "KEY",
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "CREDENTIAL",
        "AUTH",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// (value, name) of each secret-looking variable, longest value first so that a key that
/// contains another is replaced whole. Short values are left: they would match ordinary text.
fn secrets() -> &'static [(Vec<u8>, String)] {
    static S: OnceLock<Vec<(Vec<u8>, String)>> = OnceLock::new();
    S.get_or_init(|| {
        let mut v: Vec<(Vec<u8>, String)> = std::env::vars_os()
            .filter_map(|(k, v)| {
                let k = k.into_string().ok()?;
                let v = v.into_encoded_bytes();
                (secret_name(&k) && v.len() >= 8).then_some((v, k))
            })
            .collect();
        v.sort_by_key(|s| std::cmp::Reverse(s.0.len()));
        v
    })
}

/// `bytes` with every secret value replaced; borrowed when there was none.
pub fn bytes(data: &[u8]) -> Cow<'_, [u8]> {
    replace(data, secrets())
}

fn replace<'a>(data: &'a [u8], secrets: &[(Vec<u8>, String)]) -> Cow<'a, [u8]> {
    let mut out: Cow<[u8]> = Cow::Borrowed(data);
    for (value, name) in secrets {
        if !out.windows(value.len()).any(|w| w == value.as_slice()) {
            continue;
        }
        let mark = format!("[redacted {name}]");
        let mut next = Vec::with_capacity(out.len());
        let mut i = 0;
        while i < out.len() {
            if out[i..].starts_with(value) {
                next.extend_from_slice(mark.as_bytes());
                i += value.len();
            } else {
                next.push(out[i]);
                i += 1;
            }
        }
        out = Cow::Owned(next);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_are_replaced_everywhere() {
        let s = vec![
            (b"sk-abcdef123456".to_vec(), "OPENAI_API_KEY".to_string()),
            (b"tok-987654".to_vec(), "GH_TOKEN".to_string()),
        ];
        let got = replace(b"a sk-abcdef123456 b tok-987654 sk-abcdef123456", &s);
        assert_eq!(
            &*got,
            b"a [redacted OPENAI_API_KEY] b [redacted GH_TOKEN] [redacted OPENAI_API_KEY]"
        );
        assert!(matches!(replace(b"nothing here", &s), Cow::Borrowed(_)));
    }

    #[test]
    fn names_that_look_secret() {
        for n in [
            "OPENAI_API_KEY",
            "github_token",
            "DB_PASSWORD",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in ["HOME", "PATH", "TERM", "EDITOR"] {
            assert!(!secret_name(n), "{n}");
        }
    }
}
