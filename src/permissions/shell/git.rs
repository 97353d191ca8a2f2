//! `git`: read-only subcommands against the workspace's own repository.
//! Options that pick another repository or work tree, set configuration or
//! run programs ask; which repository git will find is checked in `paths`.

/// Checks git's arguments: global options, subcommand and its options.
pub fn check(args: &[&str]) -> Result<(), String> {
    let mut i = 0;
    // Global options before the subcommand.
    while let Some(a) = args.get(i) {
        match *a {
            "--no-pager" | "-P" | "--no-optional-locks" | "--literal-pathspecs" => i += 1,
            "-C" => return Err("git -C runs against another folder's repository".into()),
            a if a.starts_with("--git-dir") || a.starts_with("--work-tree") => {
                return Err(format!("git {a} picks another repository"))
            }
            a if a.starts_with('-') => return Err(format!("git option {a}")),
            _ => break,
        }
    }
    let Some(sub) = args.get(i) else {
        return Err("git without a subcommand".into());
    };
    let rest = &args[i + 1..];
    let bad = [
        "--output",
        "--ext-diff",
        "--textconv",
        "--exec",
        "--upload-pack",
        "--open-files-in-pager",
        "--git-dir",
        "--work-tree",
        "--no-index",
    ];
    if let Some(a) = rest
        .iter()
        .find(|a| bad.iter().any(|b| super::programs::is_opt(a, b)))
    {
        return Err(format!(
            "git {sub} {a} writes, runs programs or leaves the repository"
        ));
    }
    match *sub {
        "status" | "log" | "diff" | "show" | "blame" | "ls-files" | "rev-parse" | "shortlog"
        | "describe" | "rev-list" | "ls-tree" | "cat-file" | "merge-base" | "for-each-ref"
        | "show-ref" | "count-objects" | "name-rev" => Ok(()),
        // Listing forms only: these subcommands also create and delete.
        // `git stash` alone stashes; `git reflog` alone lists.
        "stash" if matches!(rest.first(), Some(&"list" | &"show")) => Ok(()),
        "reflog" if matches!(rest.first(), None | Some(&"show")) => Ok(()),
        "remote" if rest.iter().all(|a| matches!(*a, "-v" | "--verbose")) => Ok(()),
        "tag" if rest.iter().all(|a| matches!(*a, "-l" | "--list" | "-n")) => Ok(()),
        "grep" => {
            if rest.iter().any(|a| super::programs::is_opt(a, "-O")) {
                return Err("git grep -O runs a pager program".into());
            }
            Ok(())
        }
        "branch" => branch(rest),
        other => Err(format!("git {other} is not read-only")),
    }
}

/// `git branch` only lists: no name to create, no option that changes branches.
fn branch(rest: &[&str]) -> Result<(), String> {
    let listing = [
        "-a",
        "-r",
        "-v",
        "-vv",
        "--list",
        "-l",
        "--show-current",
        "--all",
        "--remotes",
        "--verbose",
        "--contains",
        "--no-contains",
        "--merged",
        "--no-merged",
        "--no-color",
        "--color",
    ];
    let mut pattern_ok = false;
    for a in rest {
        if a.starts_with('-') {
            let name = a.split('=').next().unwrap_or(a);
            if !listing.contains(&name)
                && !name.starts_with("--sort")
                && !name.starts_with("--format")
            {
                return Err(format!("git branch {a} changes branches"));
            }
            pattern_ok |= matches!(
                name,
                "--list" | "-l" | "--contains" | "--no-contains" | "--merged" | "--no-merged"
            );
        } else if !pattern_ok {
            return Err("git branch NAME creates a branch".into());
        }
    }
    Ok(())
}
