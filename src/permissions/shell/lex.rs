//! Reading shell words: splits a command line into words, separators and
//! redirections, or says why it cannot be sure what bash would see.

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A word, whether it contains a `$` expansion outside single quotes,
    /// and whether it starts with an unquoted expansion (`$`, `*`, `?`, `[`,
    /// `{`), which may turn into an option such as `--output=FILE`, or into
    /// several words.
    Word(String, bool, bool),
    /// `;`, `&&`, `||`, `|`, `|&`.
    Sep,
    /// A redirection operator (`>`, `2>>`, `&>`, `<`, `>&`).
    Redir(String),
}

fn ask(why: impl Into<String>) -> Result<Vec<Tok>, String> {
    Err(why.into())
}

/// Splits shell text into words, separators and redirections; refuses every
/// construct that could run or write something we cannot see.
pub fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut toks = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut has_var = false;
    let mut lead = false;
    let mut i = 0;
    macro_rules! end_word {
        () => {
            if in_word {
                toks.push(Tok::Word(std::mem::take(&mut word), has_var, lead));
                in_word = false;
                has_var = false;
                lead = false;
            }
        };
    }
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\t' => end_word!(),
            '\n' | ';' => {
                end_word!();
                toks.push(Tok::Sep);
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    word.push(chars[i]);
                    i += 1;
                }
                if i >= chars.len() {
                    return ask("could not parse: unbalanced quote");
                }
            }
            '"' => {
                in_word = true;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return ask("could not parse: unbalanced quote"),
                        Some('"') => break,
                        Some('\\') => {
                            if let Some(&n) = chars.get(i + 1) {
                                word.push(n);
                            }
                            i += 2;
                            continue;
                        }
                        Some('`') => return ask("command substitution"),
                        Some('$') => {
                            if chars.get(i + 1) == Some(&'(') {
                                return ask("command substitution");
                            }
                            has_var |= expands_after_dollar(chars.get(i + 1).copied());
                            word.push('$');
                        }
                        Some(&ch) => word.push(ch),
                    }
                    i += 1;
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = next {
                    if n != '\n' {
                        word.push(n);
                    }
                    i += 1;
                }
            }
            '`' => return ask("command substitution"),
            '$' => {
                if next == Some('(') {
                    return ask("command substitution");
                }
                in_word = true;
                if expands_after_dollar(next) {
                    has_var = true;
                    lead |= word.is_empty();
                }
                word.push('$');
            }
            '(' | ')' => return ask("subshell or group"),
            '<' => {
                if next == Some('(') {
                    return ask("process substitution");
                }
                if next == Some('<') {
                    return ask("here-document");
                }
                end_word!();
                toks.push(Tok::Redir("<".into()));
            }
            '>' => {
                if next == Some('(') {
                    return ask("process substitution");
                }
                // A word of digits right before `>` is a file descriptor.
                let mut op = String::new();
                if in_word && !word.is_empty() && word.chars().all(|d| d.is_ascii_digit()) {
                    op = std::mem::take(&mut word);
                    in_word = false;
                    has_var = false;
                    lead = false;
                }
                end_word!();
                op.push('>');
                if let Some(n @ ('>' | '|' | '&')) = next {
                    op.push(n);
                    i += 1;
                }
                toks.push(Tok::Redir(op));
            }
            '&' => {
                end_word!();
                match next {
                    Some('&') => {
                        toks.push(Tok::Sep);
                        i += 1;
                    }
                    Some('>') => {
                        let mut op = "&>".to_string();
                        i += 1;
                        if chars.get(i + 1) == Some(&'>') {
                            op.push('>');
                            i += 1;
                        }
                        toks.push(Tok::Redir(op));
                    }
                    _ => return ask("runs in the background"),
                }
            }
            '|' => {
                end_word!();
                if matches!(next, Some('|') | Some('&')) {
                    i += 1;
                }
                toks.push(Tok::Sep);
            }
            _ => {
                in_word = true;
                lead |= word.is_empty() && matches!(c, '*' | '?' | '[' | '{');
                word.push(c);
            }
        }
        i += 1;
    }
    if in_word {
        toks.push(Tok::Word(word, has_var, lead));
    }
    Ok(toks)
}

/// Whether `$` followed by `next` expands: before a name, `{`, a digit or a
/// special parameter. Elsewhere (`grep "x$"`) it is a plain dollar sign.
fn expands_after_dollar(next: Option<char>) -> bool {
    next.is_some_and(|c| c.is_ascii_alphanumeric() || "_{@*#?$!-".contains(c))
}
