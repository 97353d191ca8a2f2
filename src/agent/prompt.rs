//! The system prompt: short and exact, so most of the context is the user's.

use std::path::Path;

/// Builds the system prompt for a session in `cwd`.
pub fn system_prompt(cwd: &Path, instructions: Option<&str>) -> String {
    let git = if in_git_repo(cwd) { "yes" } else { "no" };
    let mut s = format!(
        "You are wisp, a coding agent in the user's terminal. Help with software tasks in their project using your tools.\n\
         \n\
         Working directory: {}\nOS: {}\nGit repository: {git}\n\
         \n\
         - Be brief. Answer in markdown.\n\
         - Find code with grep and glob; read files before editing them.\n\
         - Change files with edit (exact text replacement) or write (new files); keep changes minimal.\n\
         - Use bash for builds, tests and git. Commands run in the working directory.\n\
         - After changing code, run the project's tests when it has them.\n\
         - If a tool call is denied, do not retry it unchanged; ask or take another way.\n",
        cwd.display(),
        std::env::consts::OS,
    );
    if let Some(text) = instructions.filter(|t| !t.trim().is_empty()) {
        s.push_str("\nProject instructions (AGENTS.md):\n");
        s.push_str(text.trim());
        s.push('\n');
    }
    s
}

/// Lists skills by name and description only; a skill's body enters the
/// conversation when it is invoked.
pub fn skills_section(skills: &[(&str, &str)]) -> String {
    if skills.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "\nSkills available (load one with the skill tool when it fits the task; the user runs one with /NAME):\n",
    );
    for (name, desc) in skills {
        s.push_str(&format!("- {name} — {desc}\n"));
    }
    s
}

fn in_git_repo(cwd: &Path) -> bool {
    cwd.ancestors().any(|d| d.join(".git").exists())
}

/// AGENTS.md (or CLAUDE.md) from `cwd` up to the repository root, then the user's.
pub fn project_instructions(cwd: &Path) -> Option<String> {
    crate::session::instructions::load(cwd, &crate::paths::config_dir())
}
