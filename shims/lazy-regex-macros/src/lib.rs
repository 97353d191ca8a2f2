//! The macros of wisp's `lazy-regex` stand-in. A pattern is a string literal,
//! optionally followed by flags as a suffix (`"bold"i`); each use compiles its
//! regex once, on first use, into a static. Patterns are checked at build
//! time, so an invalid one is a compile error, never a panic at run time.

use proc_macro::{Delimiter, TokenStream, TokenTree};

/// `regex!("pattern"flags)`: a `&'static Regex`.
#[proc_macro]
pub fn regex(input: TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = input.into_iter().collect();
    match tokens.as_slice() {
        [TokenTree::Literal(lit)] => match pattern(&lit.to_string()) {
            Ok(p) => code(&lazy(&p)),
            Err(e) => error(&e),
        },
        _ => error("regex! takes one string literal"),
    }
}

/// `regex_is_match!("pattern"flags, text)`: whether `text` matches.
#[proc_macro]
pub fn regex_is_match(input: TokenStream) -> TokenStream {
    let mut parts = split_commas(input);
    if parts.len() != 2 {
        return error("regex_is_match! takes a pattern and a text");
    }
    let text = parts.pop().unwrap_or_default();
    let lit = parts.pop().unwrap_or_default();
    match pattern(&lit) {
        Ok(p) => code(&format!("{}.is_match({text})", lazy(&p))),
        Err(e) => error(&e),
    }
}

/// `regex_switch!(text, "pattern"flags => expr, ...)`: the value of the first
/// arm whose pattern matches, as `Some`, with its named groups bound as
/// `&str` variables; `None` when no arm matches.
#[proc_macro]
pub fn regex_switch(input: TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = input.into_iter().collect();
    let Some(comma) = tokens.iter().position(is_comma) else {
        return error("regex_switch! takes a text, then arms");
    };
    let text = stream(&tokens[..comma]);
    let mut out = format!("('__switch: {{ let __text: &str = {text};");
    let mut rest = &tokens[comma + 1..];
    while !rest.is_empty() {
        let TokenTree::Literal(lit) = &rest[0] else {
            return error("regex_switch!: each arm starts with a pattern literal");
        };
        let p = match pattern(&lit.to_string()) {
            Ok(p) => p,
            Err(e) => return error(&e),
        };
        // `=>`, then the arm: one group, or tokens up to the next comma.
        let arrow = matches!((rest.get(1), rest.get(2)),
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == '=' && b.as_char() == '>');
        if !arrow {
            return error("regex_switch!: expected `=>` after a pattern");
        }
        rest = &rest[3..];
        let end = match rest.first() {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => 1,
            _ => rest.iter().position(is_comma).unwrap_or(rest.len()),
        };
        let body = stream(&rest[..end]);
        rest = &rest[end..];
        if rest.first().is_some_and(is_comma) {
            rest = &rest[1..];
        }
        out.push_str(&format!(
            "if let Some(__caps) = {}.captures(__text) {{",
            lazy(&p)
        ));
        for name in group_names(&p) {
            out.push_str(&format!(
                "let {name}: &str = __caps.name(\"{name}\").map_or(\"\", |m| m.as_str());"
            ));
        }
        out.push_str(&format!("break '__switch Some({body}); }}"));
    }
    out.push_str("None })");
    code(&out)
}

/// The expression that yields the compiled regex for `pattern`.
fn lazy(pattern: &str) -> String {
    format!(
        "{{ static __RE: ::lazy_regex::Lazy = ::lazy_regex::Lazy::new(); \
         __RE.get_or_init(|| ::lazy_regex::compile({pattern:?})) }}"
    )
}

/// The pattern a literal holds, with its suffix flags as an inline group,
/// checked against the features the runtime regex has.
fn pattern(lit: &str) -> Result<String, String> {
    let (body, flags) = unquote(lit).ok_or_else(|| format!("not a string literal: {lit}"))?;
    if let Some(bad) = flags.chars().find(|c| !"imsxU".contains(*c)) {
        return Err(format!("unknown regex flag `{bad}` in {lit}"));
    }
    let full = if flags.is_empty() {
        body
    } else {
        format!("(?{flags}){body}")
    };
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(&full)
        .map_err(|e| format!("invalid regex {lit}: {e}"))?;
    Ok(full)
}

/// A string literal's text and suffix: `"a\"b"i` and `r#"a"b"#i`.
fn unquote(lit: &str) -> Option<(String, String)> {
    if let Some(raw) = lit.strip_prefix('r') {
        let hashes = raw.chars().take_while(|c| *c == '#').count();
        let inner = &raw[hashes..];
        let inner = inner.strip_prefix('"')?;
        let close = format!("\"{}", "#".repeat(hashes));
        let end = inner.rfind(&close)?;
        return Some((
            inner[..end].to_string(),
            inner[end + close.len()..].to_string(),
        ));
    }
    let inner = lit.strip_prefix('"')?;
    let end = inner.rfind('"')?;
    let mut out = String::new();
    let mut chars = inner[..end].chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            // Anything else (unicode escapes, line continuations) is not
            // used by the patterns this stands in for: refuse it.
            _ => return None,
        }
    }
    Some((out, inner[end + 1..].to_string()))
}

/// Names of `(?<name>` and `(?P<name>` groups.
fn group_names(pattern: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (i, _) in pattern.match_indices("(?") {
        let rest = &pattern[i + 2..];
        let rest = rest.strip_prefix('P').unwrap_or(rest);
        if let Some(rest) = rest.strip_prefix('<') {
            if let Some(end) = rest.find('>') {
                names.push(rest[..end].to_string());
            }
        }
    }
    names
}

fn is_comma(t: &TokenTree) -> bool {
    matches!(t, TokenTree::Punct(p) if p.as_char() == ',')
}

fn stream(tokens: &[TokenTree]) -> String {
    tokens.iter().cloned().collect::<TokenStream>().to_string()
}

/// Top-level comma-separated parts, as source text.
fn split_commas(input: TokenStream) -> Vec<String> {
    let tokens: Vec<TokenTree> = input.into_iter().collect();
    tokens
        .split(is_comma)
        .filter(|p| !p.is_empty())
        .map(stream)
        .collect()
}

fn code(s: &str) -> TokenStream {
    s.parse()
        .unwrap_or_else(|_| error("lazy-regex stand-in produced invalid code"))
}

fn error(msg: &str) -> TokenStream {
    format!("compile_error!({msg:?})")
        .parse()
        .unwrap_or_default()
}
