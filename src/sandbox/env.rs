//! Keeps secrets out of commands: variables whose names look like keys,
//! tokens or passwords, and the variables wisp's own provider keys come
//! from, are removed from every command run for the model, unless the user
//! lists them in `[sandbox] env_passthrough`.

/// Whether a variable's name looks like it holds a secret.
fn looks_secret(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    let has = |s: &str| n.contains(s);
    has("API_KEY")
        || has("APIKEY")
        || has("SECRET")
        || has("PASSWORD")
        || has("PASSWD")
        || has("PRIVATE_KEY")
        || has("CREDENTIAL")
        || has("_TOKEN_")
        || n.ends_with("TOKEN")
        || n.ends_with("_KEY")
        || n.ends_with("_KEY_ID")
        || n.ends_with("_AUTH")
        || (n.starts_with("AWS_") && (has("KEY") || has("TOKEN")))
}

/// The names to remove from a command's environment, out of `vars`.
pub fn to_remove<'a>(
    vars: impl Iterator<Item = &'a str>,
    extra: &[String],
    passthrough: &[String],
) -> Vec<String> {
    vars.filter(|v| looks_secret(v) || extra.iter().any(|e| e == v))
        .filter(|v| !passthrough.iter().any(|p| p == v))
        .map(str::to_string)
        .collect()
}

/// Removes secret-looking variables of wisp's environment from `cmd`.
pub fn scrub(cmd: &mut tokio::process::Command, extra: &[String], passthrough: &[String]) {
    let names: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .collect();
    for name in to_remove(names.iter().map(String::as_str), extra, passthrough) {
        cmd.env_remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_are_recognised() {
        for n in [
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY",
            "GEMINI_API_KEY",
            "GITHUB_TOKEN",
            "GH_TOKEN",
            "HF_TOKEN_PATH_X_TOKEN_Y",
            "CLIENT_SECRET",
            "DB_PASSWORD",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "STRIPE_KEY",
            "npm_config__auth",
            "GOOGLE_APPLICATION_CREDENTIALS",
        ] {
            assert!(looks_secret(n), "{n}");
        }
        for n in [
            "PATH",
            "HOME",
            "TERM",
            "LANG",
            "CARGO_HOME",
            "AWS_REGION",
            "KEYBOARD",
            "TOKENIZERS_PARALLELISM",
        ] {
            assert!(!looks_secret(n), "{n}");
        }
    }

    #[test]
    fn passthrough_and_extra_names() {
        let vars = ["PATH", "OPENAI_API_KEY", "MY_LLM", "GITHUB_TOKEN"];
        let got = to_remove(
            vars.into_iter(),
            &["MY_LLM".into()],
            &["GITHUB_TOKEN".into()],
        );
        assert_eq!(
            got,
            vec!["OPENAI_API_KEY".to_string(), "MY_LLM".to_string()]
        );
    }
}
