//! The built-in prompt suite, embedded at build time from `prompts/*.md`.
//! Nothing is written to disk: the text lives in the binary.

/// (file name without `.md`, contents)
pub const BUILTIN: &[(&str, &str)] = &[
    ("ask", include_str!("../../prompts/ask.md")),
    ("brainstorm", include_str!("../../prompts/brainstorm.md")),
    ("commit", include_str!("../../prompts/commit.md")),
    ("debug", include_str!("../../prompts/debug.md")),
    ("explain", include_str!("../../prompts/explain.md")),
    ("finish", include_str!("../../prompts/finish.md")),
    ("init", include_str!("../../prompts/init.md")),
    ("plan", include_str!("../../prompts/plan.md")),
    ("refactor", include_str!("../../prompts/refactor.md")),
    (
        "review-security",
        include_str!("../../prompts/review-security.md"),
    ),
    ("review", include_str!("../../prompts/review.md")),
    ("simplify", include_str!("../../prompts/simplify.md")),
    ("tdd", include_str!("../../prompts/tdd.md")),
    ("verify", include_str!("../../prompts/verify.md")),
    ("worktree", include_str!("../../prompts/worktree.md")),
];
