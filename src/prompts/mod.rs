//! The prompt library: markdown prompts invoked as slash commands.
//!
//! Sources, later winning over earlier: the built-in suite (embedded at build
//! time), Agent Skills and prompts from the user's config, then the project's
//! skills, `.claude/commands` and `.wisp/prompts`. Each prompt remembers where
//! it came from. A skill's body stays on disk until it is invoked, so only its
//! name and description cost context.

pub mod builtin;
pub mod parse;
pub mod run;

use crate::permissions::Mode;
use std::path::{Path, PathBuf};

/// Where a prompt was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Builtin,
    /// `$XDG_CONFIG_HOME/wisp/prompts/`
    User,
    /// `~/.claude/skills/`, `$XDG_CONFIG_HOME/wisp/skills/`
    UserSkill,
    /// `.agents/skills/`, `.claude/skills/`
    ProjectSkill,
    /// `.claude/commands/`
    ClaudeCommand,
    /// `.wisp/prompts/`
    Project,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Builtin => "built-in",
            Source::User => "user",
            Source::UserSkill => "user skill",
            Source::ProjectSkill => "project skill",
            Source::ClaudeCommand => "claude command",
            Source::Project => "project",
        }
    }

    fn is_skill(self) -> bool {
        matches!(self, Source::UserSkill | Source::ProjectSkill)
    }

    /// Written by whoever wrote the repository, not by the user.
    fn is_project(self) -> bool {
        matches!(
            self,
            Source::ProjectSkill | Source::ClaudeCommand | Source::Project
        )
    }
}

#[derive(Debug)]
pub enum Body {
    Text(String),
    /// A skill's `SKILL.md`, read when the skill is invoked.
    Skill(PathBuf),
}

#[derive(Debug)]
pub struct Prompt {
    pub name: String,
    pub description: String,
    pub mode: Option<Mode>,
    /// Thinking effort while the prompt runs (None: the session's).
    pub effort: Option<crate::provider::effort::Effort>,
    pub arguments: Option<String>,
    pub body: Body,
    pub source: Source,
}

#[derive(Debug, Default)]
pub struct Library {
    /// Sorted by name, one per name.
    prompts: Vec<Prompt>,
    /// One line per file that was skipped, for stderr.
    pub warnings: Vec<String>,
    /// The project's directory, canonical: project files must resolve inside it.
    root: Option<PathBuf>,
}

impl Library {
    /// Reads every source. Cheap: a handful of small directories, one level deep.
    pub fn load(cwd: &Path) -> Library {
        Library::load_from(cwd, &crate::paths::home(), &crate::paths::config_dir())
    }

    fn load_from(cwd: &Path, home: &Path, config: &Path) -> Library {
        let mut lib = Library {
            root: std::fs::canonicalize(cwd).ok(),
            ..Library::default()
        };
        for (file, text) in builtin::BUILTIN {
            match parse::parse(text) {
                Ok(p) => lib.add(file, p, Body::Text(String::new()), Source::Builtin),
                Err(e) => lib.warnings.push(format!("built-in prompt {file}: {e}")),
            }
        }
        lib.load_dir(&home.join(".claude/skills"), Source::UserSkill);
        lib.load_dir(&config.join("skills"), Source::UserSkill);
        lib.load_dir(&config.join("prompts"), Source::User);
        lib.load_dir(&cwd.join(".agents/skills"), Source::ProjectSkill);
        lib.load_dir(&cwd.join(".claude/skills"), Source::ProjectSkill);
        lib.load_dir(&cwd.join(".claude/commands"), Source::ClaudeCommand);
        lib.load_dir(&cwd.join(".wisp/prompts"), Source::Project);
        lib
    }

    /// Adds a parsed prompt; the body is taken from `parsed` unless it is a skill.
    fn add(&mut self, fallback_name: &str, parsed: parse::Parsed, body: Body, source: Source) {
        let name = parsed
            .name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| fallback_name.to_string());
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == '/') {
            self.warnings.push(format!(
                "skipped {} `{name}`: a name must be one word without `/`",
                source.label()
            ));
            return;
        }
        let description = parsed
            .description
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| parse::first_line(&parsed.body));
        let body = match body {
            Body::Text(_) => Body::Text(parsed.body),
            skill => skill,
        };
        let mut mode = parsed.mode;
        if source.is_project() {
            // Replacing a prompt must not loosen it: the stricter of the two modes holds.
            if let Some(old) = self.get(&name).and_then(|p| p.mode) {
                mode = Some(mode.map_or(old, |m| m.min(old)));
            }
        }
        let prompt = Prompt {
            name,
            description,
            mode,
            effort: parsed.effort,
            arguments: parsed.arguments,
            body,
            source,
        };
        match self
            .prompts
            .binary_search_by(|p| p.name.as_str().cmp(&prompt.name))
        {
            Ok(i) => self.prompts[i] = prompt,
            Err(i) => self.prompts.insert(i, prompt),
        }
    }

    /// `DIR/*.md`, each a prompt named after its file; for skills,
    /// `DIR/*/SKILL.md`, of which only the front matter is kept.
    fn load_dir(&mut self, dir: &Path, source: Source) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let skill = source.is_skill();
        for entry in entries.flatten() {
            let mut path = entry.path();
            let name = if skill {
                let n = entry.file_name();
                path.push("SKILL.md");
                n
            } else if path.extension().is_some_and(|x| x == "md") {
                path.file_stem().unwrap_or_default().to_owned()
            } else {
                continue;
            };
            if !path.is_file() {
                continue;
            }
            if source.is_project()
                && !self
                    .root
                    .as_deref()
                    .is_some_and(|r| crate::session::instructions::inside(&path, r))
            {
                self.warnings.push(format!(
                    "not reading {path:?}: a symlink leading outside the project"
                ));
                continue;
            }
            let why = match read_small(&path).and_then(|t| parse::parse(&t)) {
                Ok(p) if skill && p.description.as_deref().is_none_or(|d| d.trim().is_empty()) => {
                    "no description".to_string()
                }
                Ok(mut p) => {
                    let body = if skill {
                        p.body.clear();
                        Body::Skill(path)
                    } else {
                        Body::Text(String::new())
                    };
                    self.add(&name.to_string_lossy(), p, body, source);
                    continue;
                }
                Err(e) => e,
            };
            self.warnings
                .push(format!("skipped {}: {why}", path.display()));
        }
    }

    pub fn get(&self, name: &str) -> Option<&Prompt> {
        self.prompts
            .binary_search_by(|p| p.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.prompts[i])
    }

    pub fn iter(&self) -> impl Iterator<Item = &Prompt> {
        self.prompts.iter()
    }

    /// Skills by name and description, for the system prompt.
    pub fn skills(&self) -> Vec<(&str, &str)> {
        self.prompts
            .iter()
            .filter(|p| p.source.is_skill())
            .map(|p| (p.name.as_str(), p.description.as_str()))
            .collect()
    }

    /// `/NAME` for every prompt that does not clash with a built-in command.
    pub fn command_names(&self) -> Vec<String> {
        self.prompts
            .iter()
            .filter(|p| !run::is_builtin_command(&p.name))
            .map(|p| format!("/{}", p.name))
            .collect()
    }
}

/// A skill's instructions, read from its SKILL.md when it is used.
async fn skill_body(name: &str, path: &Path, args: &str) -> Result<String, String> {
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| format!("reading {}: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let body = parse::parse(&text)?.body;
    let dir = path.parent().unwrap_or(path);
    Ok(format!(
        "Skill `{name}` (its files are in {}):\n\n{}",
        dir.display(),
        parse::substitute(&body, args)
    ))
}

/// What the `skill` tool returns: the skill's instructions, no arguments.
pub async fn skill_text(name: &str, path: &Path) -> Result<String, String> {
    skill_body(name, path, "").await
}

impl Library {
    /// Every skill's name and SKILL.md path, for the `skill` tool.
    pub fn skill_files(&self) -> Vec<(String, PathBuf)> {
        self.prompts
            .iter()
            .filter_map(|p| match &p.body {
                Body::Skill(path) => Some((p.name.clone(), path.clone())),
                Body::Text(_) => None,
            })
            .collect()
    }
}

/// Reads a prompt file; anything over 256 KiB is not a prompt.
fn read_small(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > 256 * 1024 {
        return Err("larger than 256 KiB".into());
    }
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

impl Prompt {
    /// The text sent to the model for `args`. A skill's body is read now.
    pub async fn expand(&self, args: &str) -> Result<String, String> {
        match &self.body {
            Body::Text(t) => Ok(parse::substitute(t, args)),
            Body::Skill(path) => skill_body(&self.name, path, args).await,
        }
    }
}

/// What the ACP agent advertises in `available_commands_update`: every library
/// prompt as (name, description, input hint).
pub fn available_commands(lib: &Library) -> Vec<(String, String, Option<String>)> {
    lib.iter()
        .map(|p| (p.name.clone(), p.description.clone(), p.arguments.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_suite_parses_and_is_short() {
        let lib = Library::load_from(
            Path::new("/nonexistent-wisp"),
            Path::new("/nonexistent-wisp"),
            Path::new("/nonexistent-wisp"),
        );
        assert!(lib.warnings.is_empty(), "{:?}", lib.warnings);
        for (file, text) in builtin::BUILTIN {
            let p = parse::parse(text).expect("parses");
            assert_eq!(p.name.as_deref(), Some(*file), "name matches the file");
            assert!(p.description.is_some_and(|d| d.len() > 10), "{file}");
            let words = p.body.split_whitespace().count();
            assert!((100..=400).contains(&words), "{file}: {words} words");
        }
        assert!(builtin::BUILTIN.len() >= 15);
        for name in ["review", "ask"] {
            let p = lib.get(name).expect("present");
            assert_eq!(p.mode, Some(Mode::Guarded), "{name} runs guarded");
        }
    }

    #[test]
    fn a_project_prompt_never_loosens_the_one_it_replaces() {
        let d = tempfile::tempdir().expect("tempdir");
        let cwd = d.path().join("p");
        std::fs::create_dir_all(cwd.join(".wisp/prompts")).expect("mkdir");
        std::fs::create_dir_all(cwd.join(".claude/commands")).expect("mkdir");
        std::fs::write(
            cwd.join(".wisp/prompts/ask.md"),
            "---\ndescription: my ask\nmode: standard\n---\nDo anything.\n",
        )
        .expect("w");
        std::fs::write(
            cwd.join(".claude/commands/review.md"),
            "Review and fix everything.\n",
        )
        .expect("w");
        let none = d.path().join("none");
        let lib = Library::load_from(&cwd, &none, &none);
        for name in ["ask", "review"] {
            let p = lib.get(name).expect("present");
            assert!(p.source != Source::Builtin, "{name} replaced");
            assert_eq!(p.mode, Some(Mode::Guarded), "{name} stays guarded");
        }
    }

    #[test]
    fn project_prompts_that_lead_outside_are_not_read() {
        let d = tempfile::tempdir().expect("tempdir");
        let cwd = d.path().join("p");
        std::fs::create_dir_all(cwd.join(".wisp/prompts")).expect("mkdir");
        std::fs::create_dir_all(cwd.join(".claude/skills")).expect("mkdir");
        std::fs::create_dir_all(d.path().join("elsewhere/s")).expect("mkdir");
        std::fs::write(d.path().join("elsewhere/x.md"), "private\n").expect("w");
        std::fs::write(
            d.path().join("elsewhere/s/SKILL.md"),
            "---\ndescription: d\n---\nprivate\n",
        )
        .expect("w");
        std::os::unix::fs::symlink(
            d.path().join("elsewhere/x.md"),
            cwd.join(".wisp/prompts/leak.md"),
        )
        .expect("symlink");
        std::os::unix::fs::symlink(d.path().join("elsewhere/s"), cwd.join(".claude/skills/s"))
            .expect("symlink");
        let none = d.path().join("none");
        let lib = Library::load_from(&cwd, &none, &none);
        assert!(lib.get("leak").is_none() && lib.get("s").is_none());
        assert_eq!(lib.warnings.len(), 2, "{:?}", lib.warnings);
        assert!(lib
            .warnings
            .iter()
            .all(|w| w.contains("outside the project")));
    }

    #[test]
    fn every_file_in_prompts_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("prompts dir")
            .flatten()
            .filter_map(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.strip_suffix(".md").map(str::to_string)
            })
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = builtin::BUILTIN
            .iter()
            .map(|(n, _)| n.to_string())
            .collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn available_commands_cover_the_library() {
        let lib = Library::load_from(
            Path::new("/nonexistent-wisp"),
            Path::new("/nonexistent-wisp"),
            Path::new("/nonexistent-wisp"),
        );
        let cmds = available_commands(&lib);
        let review = cmds
            .iter()
            .find(|c| c.0 == "review")
            .expect("review listed");
        assert!(!review.1.is_empty());
        assert_eq!(cmds.len(), lib.iter().count());
    }
}
