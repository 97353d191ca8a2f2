//! Finding sessions to resume: this directory's, newest first, and picking
//! one by number or id (`-c`, `-r`, `/sessions`, `/resume`).

use super::{load, sessions_dir, Loaded};
use std::path::Path;

/// A saved session, as listed.
pub struct Entry {
    pub loaded: Loaded,
    /// Last written, unix seconds.
    pub modified: u64,
}

impl Entry {
    /// `date  first prompt  (N turns)` on one line.
    pub fn line(&self) -> String {
        let l = &self.loaded;
        let turns = l.prompts().count();
        let title = l
            .name
            .clone()
            .or_else(|| l.prompts().next())
            .unwrap_or_default();
        let title: String = title
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(60)
            .collect();
        format!(
            "{}  {}  {title}  ({turns} turn{})",
            super::date(self.modified),
            l.header.id,
            if turns == 1 { "" } else { "s" }
        )
    }
}

/// Sessions started in `cwd`, most recently written first.
pub async fn for_dir(cwd: &Path) -> Vec<Entry> {
    let mut out = Vec::new();
    let Ok(mut rd) = tokio::fs::read_dir(sessions_dir()).await else {
        return out;
    };
    while let Ok(Some(e)) = rd.next_entry().await {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("jsonl") {
            continue;
        }
        let modified = e
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let Ok(loaded) = load(&path).await else {
            continue;
        };
        if loaded.header.cwd == cwd || loaded.moved.as_deref() == Some(cwd) {
            out.push(Entry { loaded, modified });
        }
    }
    // Ids start with the creation time, so they break ties within a second.
    out.sort_by(|a, b| (b.modified, &b.loaded.header.id).cmp(&(a.modified, &a.loaded.header.id)));
    out
}

/// Picks by name (given with `/rename`), list number (1 = newest) or id (a
/// unique prefix will do).
pub fn pick(entries: Vec<Entry>, choice: &str) -> Result<Loaded, String> {
    let choice = choice.trim();
    if choice.is_empty() {
        return Err("no session chosen".into());
    }
    let named = |e: &Entry| {
        e.loaded
            .name
            .as_deref()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case(choice))
    };
    if entries.iter().any(named) {
        // The newest session of that name.
        return entries
            .into_iter()
            .find(named)
            .map(|e| e.loaded)
            .ok_or_else(|| "no session chosen".into());
    }
    if let Ok(n) = choice.parse::<usize>() {
        if n >= 1 && n <= entries.len() && choice.len() < 4 {
            return Ok(entries.into_iter().nth(n - 1).map(|e| e.loaded).ok_or("")?);
        }
    }
    let mut hits: Vec<Entry> = entries
        .into_iter()
        .filter(|e| e.loaded.header.id.starts_with(choice))
        .collect();
    match hits.len() {
        1 => Ok(hits.remove(0).loaded),
        0 => Err(format!(
            "no session named or numbered `{choice}` in this directory (/sessions or wisp -r lists them)"
        )),
        _ => Err(format!(
            "`{choice}` matches several sessions; give more of the id"
        )),
    }
}

/// Finds a session by full id anywhere, or by name, number or id prefix in
/// this directory (`-r ID|NAME`, `/resume ID|NAME`).
pub async fn by_id(cwd: &Path, id: &str) -> Result<Loaded, String> {
    let path = sessions_dir().join(format!("{id}.jsonl"));
    if !id.contains('/') && tokio::fs::metadata(&path).await.is_ok() {
        return load(&path).await;
    }
    pick(for_dir(cwd).await, id)
}

/// Whether a word is a session id (so `-r WORD` takes it rather than a prompt).
pub fn is_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 8
        && parts[1].len() == 6
        && parts[..2]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && !parts[2].is_empty()
        && parts[2].bytes().all(|b| b.is_ascii_hexdigit())
}
