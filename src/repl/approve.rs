//! Asking the user on the terminal (or the script) whether a tool may run.
//! Answers are typed letters, never arrow-key menus, so screen readers work.

use super::input::{Input, Line};
use crate::agent::{Approval, ApprovalRequest, Approver};
use crate::render::{self, style};
use futures_util::future::LocalBoxFuture;
use std::rc::Rc;

pub struct AskUser {
    pub input: Rc<Input>,
    pub styled: bool,
}

/// Parses a typed answer: `y`, `n [reason]`, `a`, `q`.
pub fn parse_answer(s: &str) -> Option<Approval> {
    let s = s.trim();
    let (word, rest) = match s.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (s, ""),
    };
    match word.to_ascii_lowercase().as_str() {
        "y" | "yes" => Some(Approval::Yes),
        "a" | "always" => Some(Approval::Always),
        "q" | "quit" | "stop" => Some(Approval::Stop),
        "n" | "no" => Some(Approval::No((!rest.is_empty()).then(|| rest.to_string()))),
        _ => None,
    }
}

impl Approver for AskUser {
    fn ask<'a>(&'a mut self, req: &'a ApprovalRequest<'a>) -> LocalBoxFuture<'a, Approval> {
        Box::pin(async move {
            if let Some(d) = req.diff {
                let path = d.path.display().to_string();
                render::println(
                    style::diff(d.old.as_deref(), &d.new, &path, self.styled).trim_end(),
                );
            }
            render::println(&render::approval::shown(req, render::width(), self.styled));
            render::println(&format!(
                "ask: [a]lways allows {} for this session",
                render::safe::line(req.always)
            ));
            let mut tries = 0;
            while tries < 3 {
                let prompt = "allow? [y]es [n]o [a]lways [q]uit [?]details: ";
                match self.input.ask(prompt).await {
                    Line::Text(t) if t.trim() == "?" => {
                        render::println(&render::approval::details(req));
                    }
                    Line::Text(t) => match parse_answer(&t) {
                        Some(a) => return a,
                        None => {
                            tries += 1;
                            render::println(
                                "answer y, n (optionally with a reason), a, q, or ? for the whole call",
                            )
                        }
                    },
                    Line::Interrupted | Line::Eof => return Approval::Stop,
                }
            }
            Approval::No(None)
        })
    }

    fn escalate<'a>(&'a mut self, command: &'a str) -> LocalBoxFuture<'a, bool> {
        Box::pin(async move {
            render::println(&format!("ask: the sandbox stopped this command: {command}"));
            match self
                .input
                .ask("run again outside the sandbox? [y/N]: ")
                .await
            {
                Line::Text(t) => matches!(t.trim().to_ascii_lowercase().as_str(), "y" | "yes"),
                Line::Interrupted | Line::Eof => false,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        assert_eq!(parse_answer("y"), Some(Approval::Yes));
        assert_eq!(parse_answer(" Yes "), Some(Approval::Yes));
        assert_eq!(parse_answer("n"), Some(Approval::No(None)));
        assert_eq!(
            parse_answer("n use the tests dir"),
            Some(Approval::No(Some("use the tests dir".into())))
        );
        assert_eq!(parse_answer("a"), Some(Approval::Always));
        assert_eq!(parse_answer("q"), Some(Approval::Stop));
        assert_eq!(parse_answer("maybe"), None);
    }
}
