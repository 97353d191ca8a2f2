//! The `--yolo` refusal list: commands refused even when nothing else asks.

/// For `--yolo`: a short list of commands that are refused even then.
pub fn catastrophic(command: &str) -> Option<String> {
    let compact: String = command.split_whitespace().collect::<Vec<_>>().join(" ");
    if compact.contains(":(){") || compact.contains(":|:&") || compact.contains(":|: &") {
        return Some("fork bomb".into());
    }
    for dev in ["/dev/sd", "/dev/nvme", "/dev/hd", "/dev/vd", "/dev/mmcblk"] {
        if compact.contains(&format!("of={dev}"))
            || compact.contains(&format!(">{dev}"))
            || compact.contains(&format!("> {dev}"))
        {
            return Some("writes to a disk device".into());
        }
    }
    for seg in compact.split([';', '&', '|', '\n']) {
        let words = shlex::split(seg)
            .unwrap_or_else(|| seg.split_whitespace().map(str::to_string).collect());
        let w: Vec<&str> = words.iter().map(String::as_str).collect();
        let w = match w.first() {
            Some(&"sudo") => &w[1..],
            _ => &w[..],
        };
        let Some((&prog, args)) = w.split_first() else {
            continue;
        };
        let flags: String = args
            .iter()
            .filter(|a| a.starts_with('-') && !a.starts_with("--"))
            .map(|a| &a[1..])
            .collect();
        let recursive = flags.contains('r') || flags.contains('R') || args.contains(&"--recursive");
        let root_like = |a: &&str| {
            matches!(
                *a,
                "/" | "/*"
                    | "~"
                    | "~/"
                    | "~/*"
                    | "$HOME"
                    | "$HOME/"
                    | "*"
                    | "."
                    | ".."
                    | "/home"
                    | "/usr"
                    | "/etc"
                    | "/var"
                    | "/boot"
                    | "/bin"
                    | "/lib"
            )
        };
        match prog {
            "rm" if recursive
                && (args.iter().any(root_like) || args.contains(&"--no-preserve-root")) =>
            {
                return Some("recursive delete of a root, home or whole directory".into())
            }
            p if p.starts_with("mkfs") => return Some("formats a filesystem".into()),
            "chmod" | "chown" if recursive && args.iter().any(|a| *a == "/" || *a == "/*") => {
                return Some(format!("recursive {prog} of /"))
            }
            "shutdown" | "reboot" | "halt" | "poweroff" => {
                return Some(format!("{prog} the machine"))
            }
            "git"
                if args.first() == Some(&"push")
                    && args.iter().any(|a| *a == "-f" || a.starts_with("--force"))
                    && args.iter().any(|a| {
                        matches!(*a, "main" | "master")
                            || a.ends_with(":main")
                            || a.ends_with(":master")
                    }) =>
            {
                return Some("force-push to main/master".into())
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catastrophic_commands() {
        for c in [
            "rm -rf /",
            "rm -rf ~",
            "rm -fr /*",
            "sudo rm -rf /",
            "rm -rf --no-preserve-root /",
            "rm -r -f $HOME",
            "mkfs.ext4 /dev/sda1",
            "dd if=/dev/zero of=/dev/sda",
            "echo x > /dev/sda",
            ":(){ :|:& };:",
            "chmod -R 777 /",
            "shutdown -h now",
            "reboot",
            "git push --force origin main",
            "ls; rm -rf .",
        ] {
            assert!(catastrophic(c).is_some(), "{c} should be refused");
        }
        for c in [
            "rm -rf target",
            "rm file",
            "ls /",
            "dd if=a of=b",
            "git push origin main",
            "chmod -R 755 src",
            "cargo test",
        ] {
            assert_eq!(catastrophic(c), None, "{c} is not catastrophic");
        }
    }
}
