//! Reading shell words: splits a command line into words, separators and
//! redirections as bash would read them, or says why it cannot be sure what
//! bash would see. Quote removal is done here, so the rules after it look at
//! the very text a program will receive.

/// One word after quote removal, with what bash may still do to it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Word {
    pub text: String,
    /// Holds a parameter expansion (`$X`, `${X}`): its value is unknown.
    pub var: bool,
    /// Holds an unquoted pattern character (`*`, `?`, `[`): bash may replace
    /// it with file names.
    pub glob: bool,
    /// Starts with an unquoted expansion, so it may become an option or
    /// several words.
    pub lead: bool,
    /// Starts with an unquoted `~`: bash puts a home folder there.
    pub tilde: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Word(Word),
    /// `;`, `&&`, `||`, `|`, `|&`, a newline.
    Sep,
    /// A redirection operator with its file descriptor removed: `<`, `>`,
    /// `>>`, `>|`, `>&`, `<&`, `&>`, `&>>`.
    Redir(String),
}

/// A word being read: each character with whether it was quoted.
#[derive(Default)]
struct Building {
    chars: Vec<(char, bool)>,
    started: bool,
    var: bool,
    var_first: bool,
}

impl Building {
    fn push(&mut self, c: char, quoted: bool) {
        self.started = true;
        self.chars.push((c, quoted));
    }

    fn finish(&mut self) -> Result<Option<Word>, String> {
        if !self.started {
            return Ok(None);
        }
        let b = std::mem::take(self);
        let unq = |i: usize, c: char| b.chars.get(i) == Some(&(c, false));
        if braces(&b.chars) {
            return Err("brace expansion could change the words".into());
        }
        // `a=~/x` and `PATH=a:~/b`: bash expands a `~` after `=` or `:` too.
        if (1..b.chars.len()).any(|i| unq(i, '~') && (unq(i - 1, '=') || unq(i - 1, ':'))) {
            return Err("a `~` inside a word may expand to a home folder".into());
        }
        // A `[` with no `]` after it matches only itself (`[ -f x ]`).
        let is_glob = |i: usize| match b.chars[i] {
            ('*' | '?', false) => true,
            ('[', false) => b.chars[i + 1..].contains(&(']', false)),
            _ => false,
        };
        let first = b.chars.first().copied();
        Ok(Some(Word {
            text: b.chars.iter().map(|(c, _)| c).collect(),
            var: b.var,
            glob: (0..b.chars.len()).any(is_glob),
            lead: b.var_first || (!b.chars.is_empty() && is_glob(0)),
            tilde: first == Some(('~', false)),
        }))
    }
}

/// An unquoted `{` ... `}` holding an unquoted `,` or `..` is brace expansion.
fn braces(chars: &[(char, bool)]) -> bool {
    let Some(open) = chars.iter().position(|&c| c == ('{', false)) else {
        return false;
    };
    let Some(close) = chars.iter().rposition(|&c| c == ('}', false)) else {
        return false;
    };
    close > open
        && chars[open..close]
            .windows(2)
            .any(|w| w[0] == (',', false) || w[1] == (',', false) || w == [('.', false); 2])
}

/// Splits shell text into words, separators and redirections; refuses every
/// construct that could run or write something we cannot see.
pub fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut toks = Vec::new();
    let mut w = Building::default();
    let mut i = 0;
    macro_rules! end_word {
        () => {
            if let Some(word) = w.finish()? {
                toks.push(Tok::Word(word));
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
            '#' if !w.started => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' => {
                w.started = true;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    w.push(chars[i], true);
                    i += 1;
                }
                if i >= chars.len() {
                    return Err("could not parse: unbalanced quote".into());
                }
            }
            '"' => {
                w.started = true;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("could not parse: unbalanced quote".into()),
                        Some('"') => break,
                        // Inside double quotes a backslash escapes only these.
                        Some('\\') if matches!(chars.get(i + 1), Some('$' | '`' | '"' | '\\')) => {
                            w.push(chars[i + 1], true);
                            i += 1;
                        }
                        Some('\\') if chars.get(i + 1) == Some(&'\n') => i += 1,
                        Some('`') => return Err("command substitution".into()),
                        Some('$') => dollar(&chars, i, &mut w, true)?,
                        Some(&ch) => w.push(ch, true),
                    }
                    i += 1;
                }
            }
            '\\' => match next {
                Some('\n') => i += 1,
                Some(n) => {
                    w.push(n, true);
                    i += 1;
                }
                None => w.push('\\', false),
            },
            '`' => return Err("command substitution".into()),
            '$' if next == Some('\'') => {
                i = ansi_c(&chars, i + 2, &mut w)?;
            }
            '$' if next == Some('"') => {
                return Err("locale quoting ($\"...\") may be translated".into());
            }
            '$' => dollar(&chars, i, &mut w, false)?,
            '(' | ')' => return Err("subshell or group".into()),
            '<' | '>' => {
                if next == Some('(') {
                    return Err("process substitution".into());
                }
                if c == '<' && next == Some('<') {
                    return Err("here-document".into());
                }
                if c == '<' && next == Some('>') {
                    return Err("opens a file for reading and writing (<>)".into());
                }
                // A word of digits right before the operator is a file descriptor.
                if !w.chars.is_empty() && w.chars.iter().all(|&(d, q)| d.is_ascii_digit() && !q) {
                    w = Building::default();
                }
                end_word!();
                let mut op = c.to_string();
                match (c, next) {
                    ('>', Some(n @ ('>' | '|' | '&'))) | ('<', Some(n @ '&')) => {
                        op.push(n);
                        i += 1;
                    }
                    _ => {}
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
                    _ => return Err("runs in the background".into()),
                }
            }
            '|' => {
                end_word!();
                if matches!(next, Some('|') | Some('&')) {
                    i += 1;
                }
                toks.push(Tok::Sep);
            }
            _ => w.push(c, false),
        }
        i += 1;
    }
    end_word!();
    Ok(toks)
}

/// A `$` at `chars[i]`: an expansion marks the word, anything else is a
/// plain dollar sign (`grep "x$"`).
fn dollar(chars: &[char], i: usize, w: &mut Building, quoted: bool) -> Result<(), String> {
    let next = chars.get(i + 1).copied();
    if next == Some('(') {
        return Err("command substitution".into());
    }
    if next == Some('[') {
        return Err("arithmetic expansion ($[...])".into());
    }
    if next.is_some_and(|c| c.is_ascii_alphanumeric() || "_{@*#?$!-".contains(c)) {
        if !w.started {
            w.var_first = true;
        }
        w.var = true;
    }
    w.push('$', quoted);
    Ok(())
}

/// Reads ANSI-C quoting (`$'...'`) from `i`, just after the opening quote,
/// decoding its escapes as bash does; returns the index of the closing quote.
fn ansi_c(chars: &[char], mut i: usize, w: &mut Building) -> Result<usize, String> {
    let unsure = || Err("ANSI-C quoting with an escape bash may read differently".to_string());
    w.started = true;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err("could not parse: unbalanced quote".into());
        };
        match c {
            '\'' => return Ok(i),
            '\\' => {
                i += 1;
                let e = chars.get(i).copied().unwrap_or('\0');
                let out = match e {
                    'a' => '\x07',
                    'b' => '\x08',
                    'e' | 'E' => '\x1b',
                    'f' => '\x0c',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'v' => '\x0b',
                    '\\' | '\'' | '"' | '?' => e,
                    'x' | '0'..='7' => {
                        let (radix, max, start) = if e == 'x' { (16, 2, i + 1) } else { (8, 3, i) };
                        let digits: String = chars[start.min(chars.len())..]
                            .iter()
                            .take(max)
                            .take_while(|d| d.is_digit(radix))
                            .collect();
                        let v = u32::from_str_radix(&digits, radix).unwrap_or(0);
                        if digits.is_empty() || v == 0 || v > 0x7f {
                            return unsure();
                        }
                        i = start + digits.len() - 1;
                        char::from_u32(v).unwrap_or('\0')
                    }
                    _ => return unsure(),
                };
                w.push(out, true);
            }
            _ => w.push(c, true),
        }
        i += 1;
    }
}
