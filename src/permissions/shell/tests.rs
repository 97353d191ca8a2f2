//! The classifier table: each row is a command and what it must be
//! classified as: "R" read-only, "B" a build command, or a piece of the
//! reason it asks, so a row cannot pass for the wrong reason.

use super::*;
use std::os::unix::fs::symlink;
use std::path::Path;

/// A workspace with the layouts the rows rely on, beside an outside folder.
pub(super) struct Fixture {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

pub(super) fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("outside");
    let root = dir.path().join("ws");
    for d in ["src", "sub/.git", "bare/refs", "docs", "opts", ".git"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::create_dir_all(&out).unwrap();
    for f in [
        "src/main.rs",
        "f",
        "names.txt",
        "log.txt",
        "Cargo.toml",
        "README.md",
        "bare/HEAD",
    ] {
        std::fs::write(root.join(f), "x\n").unwrap();
    }
    std::fs::write(out.join("secret"), "s\n").unwrap();
    std::fs::write(root.join("opts/--output=made"), "").unwrap();
    symlink(&out, root.join("out_link")).unwrap();
    symlink(out.join("secret"), root.join("docs/secret_link")).unwrap();
    symlink(out.join("missing"), root.join("dangling")).unwrap();
    symlink(root.join("src"), root.join("src_link")).unwrap();
    let root = crate::permissions::workspace::canonical(&root);
    Fixture { _dir: dir, root }
}

pub(super) fn run(root: &Path, cmd: &str, safe: &[String]) -> Class {
    classify(
        cmd,
        &Scope {
            root,
            cwd: root,
            safe_commands: safe,
        },
    )
}

fn check_rows(rows: &[(&str, &str)]) {
    let fx = fixture();
    let mut failures = Vec::new();
    for (cmd, want) in rows {
        let got = run(&fx.root, cmd, &[]);
        let ok = match (&got, *want) {
            (Class::ReadOnly, "R") | (Class::Build, "B") => true,
            (Class::Ask(why), w) if w != "R" && w != "B" => why.contains(w),
            _ => false,
        };
        if !ok {
            failures.push(format!("{cmd:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const CASES: &[(&str, &str)] = &[
    ("ls", "R"),
    ("ls -la src", "R"),
    ("cat README.md", "R"),
    ("head -n 20 src/main.rs", "R"),
    ("tail -n 5 log.txt", "R"),
    ("wc -l src/*.rs", "R"),
    ("pwd", "R"),
    ("echo hello", "R"),
    ("which cargo", "R"),
    ("file target/wisp", "R"),
    ("stat Cargo.toml", "R"),
    ("du -sh .", "R"),
    ("df -h", "R"),
    ("tree src", "R"),
    ("diff a.txt b.txt", "R"),
    ("cmp a b", "R"),
    ("grep -rn 'fn main' src", "R"),
    ("rg -n TODO", "R"),
    ("rg --files", "R"),
    ("find . -name '*.rs'", "R"),
    ("find src -type f -newer Cargo.toml", "R"),
    ("sort names.txt", "R"),
    ("sort -u -k2 x", "R"),
    ("uniq -c counts.txt", "R"),
    ("cut -d: -f1 /etc/passwd", "outside the workspace"),
    ("basename a/b.rs", "R"),
    ("realpath .", "R"),
    ("date", "R"),
    ("uname -a", "R"),
    ("jq .name package.json", "R"),
    ("printf '%s\\n' a b", "R"),
    ("true", "R"),
    ("nl file", "R"),
    ("tr a-z A-Z", "R"),
    ("grep ';' file", "R"),
    ("grep '|' file", "R"),
    ("echo \"a > b\"", "R"),
    ("echo 'a && b'", "R"),
    ("grep \"x;y\" f", "R"),
    ("echo a\\;b", "R"),
    ("grep -e '$(x)' f", "R"),
    ("echo '`date`'", "R"),
    ("cat a | grep b | wc -l", "R"),
    ("ls && pwd", "R"),
    ("ls; pwd", "R"),
    ("ls || echo none", "R"),
    ("ls\npwd", "R"),
    ("git log --oneline | head -5", "R"),
    ("cd src && ls", "R"),
    ("sort --outp=x names.txt", "sort -o writes a file"),
    ("sort --out x names.txt", "sort -o writes a file"),
    ("tail --foll log", "tail -f never ends"),
    ("sed -n --in-pl 's/a/b/p' f", "sed -i edits files"),
    (
        "git diff --outp=x",
        "git diff --outp=x writes, runs programs or leaves the repository",
    ),
    (
        "git log --ext HEAD",
        "git log --ext writes, runs programs or leaves the repository",
    ),
    ("sort --", "R"),
    ("sort *", "a pattern could expand into an option of sort"),
    ("sort ''*", "a pattern could expand into an option of sort"),
    (
        "sort {--output=x,y}",
        "brace expansion could change the words",
    ),
    ("tree *", "a pattern could expand into an option of tree"),
    (
        "git diff -- *",
        "a pattern could expand into an option of git",
    ),
    ("sort ./*", "outside the workspace"),
    ("sort src/*.txt", "R"),
    ("ls *", "outside the workspace"),
    ("cat *.md", "R"),
    ("grep -n x *", "outside the workspace"),
    ("git diff -- '*.rs'", "R"),
    ("c* file", "not a known read-only command: c*"),
    ("cat $HOME/.ssh/id_rsa", "an argument comes from a variable"),
    ("head \"${F}\"", "an argument comes from a variable"),
    ("echo $HOME", "R"),
    ("grep -n 'x$' f", "R"),
    ("grep -n \"x$\" f", "R"),
    ("grep x$ f", "R"),
    ("cd", "cd to a folder that is not named"),
    ("cd -", "cd to a folder that is not named"),
    (
        "cd $HOME && cargo test",
        "an argument comes from a variable",
    ),
    ("cd src && cargo test", "B"),
    ("ls 2>&1 | head", "R"),
    ("ls 2>/dev/null", "R"),
    ("grep x f > /dev/null", "R"),
    ("ls >&2", "R"),
    ("sort < input.txt", "R"),
    ("ls &>/dev/null", "R"),
    ("ls | sort | uniq", "R"),
    ("ls |& grep x", "R"),
    ("cat x # comment > file", "R"),
    ("git status", "R"),
    ("git status --short", "R"),
    ("git log -p -3", "R"),
    ("git diff HEAD~1", "R"),
    ("git diff --stat", "R"),
    ("git show HEAD:src/main.rs", "R"),
    ("git blame src/lib.rs", "R"),
    ("git ls-files", "R"),
    ("git rev-parse HEAD", "R"),
    ("git branch", "R"),
    ("git branch -a", "R"),
    ("git branch -vv", "R"),
    ("git branch --show-current", "R"),
    ("git branch --list 'feat*'", "R"),
    ("git -C sub status", "git -C"),
    ("git --no-pager log", "R"),
    ("git branch --contains HEAD", "R"),
    ("sed -n '1,5p' file", "R"),
    ("sed -n '/fn main/p' src/main.rs", "R"),
    ("sed -n 's/a/b/p' f", "R"),
    ("sed -n -e '10p' -e '20p' f", "R"),
    ("sed -n '$p' f", "R"),
    ("sed -n '5,$p' f", "R"),
    ("cargo test", "B"),
    ("cargo test --all -- --nocapture", "B"),
    ("cargo build --release", "B"),
    ("cargo check", "B"),
    ("cargo clippy -- -D warnings", "B"),
    ("cargo fmt --check", "B"),
    ("cargo nextest run", "B"),
    ("npm test", "B"),
    ("npm run test", "B"),
    ("pytest -q", "B"),
    ("python -m pytest tests", "B"),
    ("go test ./...", "B"),
    ("go vet ./...", "B"),
    ("make test", "B"),
    ("cargo test && git status", "B"),
    ("make check", "B"),
    ("echo hi > out.txt", "output redirection to a file"),
    ("echo hi >> out.txt", "output redirection to a file"),
    ("ls > /tmp/x", "output redirection to a file"),
    ("ls 2> err.log", "output redirection to a file"),
    ("ls &> all.log", "output redirection to a file"),
    ("ls >| f", "output redirection to a file"),
    ("cat a 1> b", "output redirection to a file"),
    ("ls >out", "output redirection to a file"),
    ("ls | tee out.txt", "tee writes files"),
    (
        "find . -exec rm {} \\;",
        "find can run commands or write files with these options",
    ),
    (
        "find . -delete",
        "find can run commands or write files with these options",
    ),
    (
        "find . -execdir ls \\;",
        "find can run commands or write files with these options",
    ),
    (
        "find . -fprint out",
        "find can run commands or write files with these options",
    ),
    (
        "find . -ok rm {} \\;",
        "find can run commands or write files with these options",
    ),
    ("sed -i 's/a/b/' f", "sed -i edits files"),
    ("sed -i.bak 's/a/b/' f", "sed -i edits files"),
    (
        "sed -n 'w out' f",
        "sed script could write files or run commands",
    ),
    (
        "sed -n 's/a/b/w out' f",
        "sed script could write files or run commands",
    ),
    (
        "sed -n '1e date' f",
        "sed script could write files or run commands",
    ),
    ("sed 's/a/b/' f", "sed without -n"),
    ("sed -ni 's/a/b/p' f", "sed -i edits files"),
    (
        "git log --output=log.txt",
        "git log --output=log.txt writes, runs programs or leaves the repository",
    ),
    (
        "git diff --output x",
        "git diff --output writes, runs programs or leaves the repository",
    ),
    (
        "git diff --ext-diff",
        "git diff --ext-diff writes, runs programs or leaves the repository",
    ),
    ("git -c core.pager=evil log", "git option -c"),
    ("git branch newname", "git branch NAME creates a branch"),
    ("git branch -D old", "git branch -D changes branches"),
    ("git branch -m a b", "git branch -m changes branches"),
    ("git commit -m x", "git commit is not read-only"),
    ("git push", "git push is not read-only"),
    ("git checkout main", "git checkout is not read-only"),
    ("git reset --hard", "git reset is not read-only"),
    ("git clean -fd", "git clean is not read-only"),
    ("git config user.name x", "git config is not read-only"),
    ("git --exec-path=/tmp log", "git option --exec-path=/tmp"),
    (
        "git show --textconv HEAD",
        "git show --textconv writes, runs programs or leaves the repository",
    ),
    ("echo $(rm -rf x)", "command substitution"),
    ("echo `rm x`", "command substitution"),
    ("cat <(ls)", "process substitution"),
    ("diff <(ls a) <(ls b)", "process substitution"),
    ("echo \"$(date)\"", "command substitution"),
    ("(cd x && ls)", "subshell or group"),
    ("{ ls; }", "not a known read-only command: {"),
    ("cat <<EOF\nhi\nEOF", "here-document"),
    ("cat <<< 'hi'", "here-document"),
    ("sleep 10 &", "runs in the background"),
    ("ls & pwd", "runs in the background"),
    ("tee >(cat) x", "process substitution"),
    ("sh -c 'ls'", "runs another command: sh"),
    ("bash -c ls", "runs another command: bash"),
    ("eval ls", "runs another command: eval"),
    ("exec ls", "runs another command: exec"),
    ("env ls", "runs another command: env"),
    ("env FOO=1 ls", "runs another command: env"),
    ("xargs rm", "runs another command: xargs"),
    ("find . | xargs cat", "runs another command: xargs"),
    ("sudo ls", "runs another command: sudo"),
    ("nohup ls", "runs another command: nohup"),
    ("timeout 5 ls", "runs another command: timeout"),
    ("watch ls", "runs another command: watch"),
    ("nice ls", "runs another command: nice"),
    ("time ls", "runs another command: time"),
    ("command ls", "runs another command: command"),
    ("python script.py", "runs another command: python"),
    ("node x.js", "runs another command: node"),
    ("awk '{print}' f", "runs another command: awk"),
    ("perl -e 'print 1'", "runs another command: perl"),
    ("source env.sh", "runs another command: source"),
    (". env.sh", "runs another command: ."),
    ("FOO=1 ls", "sets a variable before the command"),
    ("PATH=/tmp:$PATH ls", "sets a variable"),
    ("$CMD", "the program name comes from an expansion"),
    ("${X} foo", "the program name comes from an expansion"),
    ("./ls", "runs a program by path: ./ls"),
    ("/tmp/cat file", "runs a program by path: /tmp/cat"),
    ("bin/run", "runs a program by path: bin/run"),
    ("rm file", "not a known read-only command: rm"),
    ("rm -rf target", "not a known read-only command: rm"),
    ("mv a b", "not a known read-only command: mv"),
    ("cp a b", "not a known read-only command: cp"),
    ("mkdir x", "not a known read-only command: mkdir"),
    ("touch f", "not a known read-only command: touch"),
    ("chmod +x f", "not a known read-only command: chmod"),
    (
        "curl http://example.com",
        "not a known read-only command: curl",
    ),
    ("wget x", "not a known read-only command: wget"),
    ("ssh host", "not a known read-only command: ssh"),
    ("npm install", "not a known test or build command"),
    ("cargo install ripgrep", "not a known test or build command"),
    ("cargo run", "not a known test or build command"),
    ("cargo fmt", "not a known test or build command"),
    ("make", "not a known test or build command"),
    ("make install", "not a known test or build command"),
    ("go run .", "not a known test or build command"),
    ("pip install x", "not a known read-only command: pip"),
    ("tail -f log", "tail -f never ends"),
    ("rg --pre cat x", "rg --pre runs a program"),
    ("rg --pre=cat x", "rg --pre runs a program"),
    ("sort -o out in", "sort -o writes a file"),
    ("sort --output=out in", "sort -o writes a file"),
    ("sort -oout in", "sort -o writes a file"),
    ("tree -o out", "tree -o writes a file"),
    ("date -s 2020-01-01", "date -s sets the clock"),
    ("printf -v x hi", "printf -v sets a variable"),
    ("uniq in out", "uniq with two files writes the second"),
    ("less file", "less is interactive"),
    ("vim file", "vim is interactive"),
    ("unknowncmd", "not a known read-only command: unknowncmd"),
    ("", "empty command"),
    ("echo 'unbalanced", "could not parse: unbalanced quote"),
    ("echo \"unbalanced", "could not parse: unbalanced quote"),
    ("ls; rm x", "not a known read-only command: rm"),
    ("ls && rm x", "not a known read-only command: rm"),
    ("cat a | sh", "runs another command: sh"),
    (";", "empty command"),
    ("cargo test; rm -rf /", "not a known read-only command: rm"),
    ("git status && git push", "git push is not read-only"),
    // Class 1: words read as bash reads them.
    ("sort $'--output=made' f", "sort -o"),
    ("sort $'\\x2d-output=made' f", "sort -o"),
    ("sort $'\\055\\055output=made' f", "sort -o"),
    ("sort $\"--output=made\" f", "locale quoting"),
    ("cat $'\\u002fetc/passwd'", "ANSI-C quoting"),
    ("grep $'\\t' f", "R"),
    ("echo $'a\\nb'", "R"),
    ("sort -{o,u} made f", "brace expansion"),
    ("sort --out{put=made,}", "brace expansion"),
    ("sort f --output{=made,}", "brace expansion"),
    ("cat {/etc/passwd,f}", "brace expansion"),
    ("cat {a..c}", "brace expansion"),
    ("git log --format={x}", "R"),
    ("sort \"-o\" made f", "sort -o"),
    ("sort -'o'made f", "sort -o"),
    ("sort -\\o made f", "sort -o"),
    ("s\\ort -o made f", "sort -o"),
    ("\"sort\" -o made f", "sort -o"),
    ("cat\\ /etc/passwd", "runs a program by path"),
    ("echo \"a\\\"b\"", "R"),
    ("grep \"a\\\\b\" f", "R"),
    ("grep \"\\x\" f", "R"),
    ("cat ~/.bashrc", "outside the workspace"),
    ("cat ~root/.bashrc", "not known here"),
    ("cat x=~/.ssh/id_rsa", "`~` inside a word"),
    ("ls ~+/src", "R"),
    ("ls $((1+1))", "command substitution"),
    ("ls @(a|b)", "subshell or group"),
    ("cat f #; rm x", "R"),
    ("cat f#x", "R"),
    ("cat <<-EOF\nx\nEOF", "here-document"),
    (
        "ls > \"$OUT\"",
        "redirection target comes from an expansion",
    ),
    // Input redirections are paths too.
    ("wc -l < f", "R"),
    ("wc -l <f", "R"),
    ("cat</etc/passwd", "outside the workspace"),
    ("cat 0</etc/passwd", "outside the workspace"),
    ("cat < out_link/secret", "outside the workspace"),
    ("head -n1 <docs/secret_link", "outside the workspace"),
    (
        "cat < ~/.bashrc",
        "redirection target comes from an expansion",
    ),
    ("cat < $F", "redirection target comes from an expansion"),
    ("cat <> f", "reading and writing"),
    ("ls 3>&1", "R"),
    ("ls 2>&-", "R"),
    // Class 2: options, letter by letter and in every abbreviation.
    ("sort -uo made f", "sort -o"),
    ("sort -uomade f", "sort -o"),
    ("sort -ruo made f", "sort -o"),
    ("sort --ou=made f", "sort -o"),
    ("sort --compress=gzip f", "sort -o"),
    ("tail -qf log.txt", "tail -f"),
    ("tail --fo log.txt", "tail -f"),
    ("tail -n 5 -F log.txt", "tail -f"),
    ("sed -n -e 1p -e 'w made' f", "sed script could write"),
    ("sed -n --expression='w made' f", "sed script could write"),
    ("sed -n --expr 'w made' f", "sed script could write"),
    ("sed -n -e1p -e'w made' f", "sed script could write"),
    ("sed -ne 'w made' f", "sed script could write"),
    ("sed -n -- 'w made' f", "sed script could write"),
    ("sed --quiet '1r /etc/passwd' f", "sed script could write"),
    ("sed -n 's/a/b/e' f", "sed script could write"),
    ("sed -n '/x/p;/y/w made' f", "sed script could write"),
    ("sed -n -f script.sed f", "sed script from a file"),
    ("sed -n --file=s f", "sed script from a file"),
    ("sed -nf s f", "sed script from a file"),
    ("sed -n 1p -i f", "sed -i"),
    ("sed -n --in 1p f", "sed -i"),
    ("sed -n -z 1p f", "R"),
    ("sed -n -s -E 1p f", "R"),
    ("sed -n 1,20p f", "R"),
    ("sed -n '/fn main/,/^}/p' src/main.rs", "R"),
    ("sed -n 1p /etc/passwd", "outside the workspace"),
    ("grep -e x -f /etc/passwd f", "outside the workspace"),
    ("grep -f/etc/passwd f", "outside the workspace"),
    ("grep -rnf /etc/passwd .", "outside the workspace"),
    ("grep -rn /api src", "R"),
    ("grep -rn --include='*.rs' /api src", "R"),
    ("grep -rn X .", "R"),
    ("rg -n /api src", "R"),
    ("rg --pr=cat x", "rg --pre"),
    ("grep -R x .", "follows symlinks"),
    ("grep -rR x .", "follows symlinks"),
    ("rg -L x", "follows symlinks"),
    ("rg --follow x", "follows symlinks"),
    ("find -L . -name x", "follows symlinks"),
    ("find . -follow", "follows symlinks"),
    ("tree -l", "follows symlinks"),
    ("du -L .", "follows symlinks"),
    ("ls -RL .", "follows symlinks"),
    ("diff -r src docs", "follows symlinks"),
    ("file -C -m x", "file -C"),
    ("tree -R", "tree -o"),
    ("cut -d/ -f2 names.txt", "R"),
    ("cut -d / -f2 names.txt", "R"),
    ("sort -t/ -k2 names.txt", "R"),
    ("sort -T/tmp names.txt", "outside the workspace"),
    ("head -c5 /etc/hostname", "outside the workspace"),
    ("wc --files0-from=/etc/x", "reads the files a list names"),
    ("wc -c --files0-from /etc/x", "reads the files a list names"),
    ("wc -c /etc/hostname f", "outside the workspace"),
    // Class 3: every path counts, symlinks followed.
    ("cat /etc/passwd", "outside the workspace"),
    ("cat ../x", "outside the workspace"),
    ("cat -- /etc/passwd", "outside the workspace"),
    ("cat out_link/secret", "outside the workspace"),
    ("cat docs/secret_link", "outside the workspace"),
    ("cat dangling", "outside the workspace"),
    ("cat src_link/main.rs", "R"),
    ("ls out_link", "outside the workspace"),
    ("cat docs/*", "outside the workspace"),
    ("cat .*/x", "outside the workspace"),
    ("cat s*/main.rs", "R"),
    ("wc -l src/*.rs", "R"),
    ("diff f /etc/passwd", "outside the workspace"),
    ("cmp f ../x", "outside the workspace"),
    ("realpath /etc", "outside the workspace"),
    ("test -f /etc/shadow", "outside the workspace"),
    ("[ -f ~/.ssh/id_rsa ]", "outside the workspace"),
    ("md5sum /etc/passwd", "outside the workspace"),
    ("jq . /etc/x.json", "outside the workspace"),
    ("jq '.a/.b' f", "R"),
    ("jq 'import \"../../x\" as $x; $x' f", "loads modules"),
    ("jq -n 'include \"x\"; 1'", "loads modules"),
    ("jq -f x.jq f", "may load other files"),
    ("jq -rf x.jq f", "may load other files"),
    ("git blame -n /etc/passwd", "outside the workspace"),
    ("git log --pretty /etc/passwd", "outside the workspace"),
    ("git log --author /x", "R"),
    ("echo /etc/passwd", "R"),
    ("grep -r x /", "outside the workspace"),
    ("find / -name x", "outside the workspace"),
    ("find . -newer /etc/passwd", "outside the workspace"),
    ("find .. -name x", "outside the workspace"),
    ("tree ..", "outside the workspace"),
    ("ls -la ~", "outside the workspace"),
    ("cd out_link && cat secret", "outside the workspace"),
    ("cd docs && cat secret_link", "outside the workspace"),
    ("cd docs; cat secret_link", "outside the workspace"),
    ("cd src && ls ../out_link/", "outside the workspace"),
    ("cd sub && ls", "R"),
    ("cd ..", "outside the workspace"),
    ("ls opts/*", "R"),
    ("sort opts/*", "R"),
    (
        "cd opts && sort *",
        "a pattern could expand into an option of sort",
    ),
    // Class 4: git only against the workspace's own repository.
    ("git -C . log", "git -C"),
    ("git --git-dir=sub/.git log", "picks another repository"),
    ("git --git-dir sub/.git log", "picks another repository"),
    ("git --work-tree=/tmp status", "picks another repository"),
    ("GIT_DIR=sub/.git git log", "sets a variable"),
    ("cd sub && git status", "git would use the repository"),
    ("cd sub; git log", "git would use the repository"),
    ("cd bare && git log", "bare repository"),
    ("cd src && git status", "R"),
    ("git log -- sub", "R"),
    ("git log --oneline -5", "R"),
    ("git stash list", "R"),
    ("git stash", "git stash is not read-only"),
    ("git stash drop", "git stash is not read-only"),
    ("git remote -v", "R"),
    ("git remote add x y", "git remote is not read-only"),
    ("git tag", "R"),
    ("git tag v1", "git tag is not read-only"),
    ("git reflog", "R"),
    ("git reflog expire --all", "git reflog is not read-only"),
    ("git rev-list --count HEAD", "R"),
    ("git cat-file -p HEAD", "R"),
    ("git ls-tree -r HEAD --name-only", "R"),
    ("git grep -n x", "R"),
    ("git grep -O x", "git grep -O"),
    ("git grep -Ovim x", "git grep -O"),
    ("git diff --no-index /etc/passwd f", "leaves the repository"),
    ("git -c core.fsmonitor=x status", "git option -c"),
    ("git --namespace=x log", "git option"),
    ("git -p log", "git option -p"),
    // Lists of files to read, and option-like file names from patterns.
    ("sort --files0-from=f", "reads the files a list names"),
    ("wc --files0=f", "reads the files a list names"),
    ("du --files0-from f", "reads the files a list names"),
    ("file -f f", "reads the files a list names"),
    ("sha256sum -c f", "checksum list"),
    ("find . -files0-from f", "reads the folders a list names"),
    ("rg --hostname-bin=x y", "rg --pre"),
    ("uniq - made", "uniq with two files"),
    ("cd opts && grep -n x *", "would become an option of grep"),
    ("cd opts && cat *", "would become an option of cat"),
    ("cd opts && wc -l *", "would become an option of wc"),
    ("grep -n x src/*", "R"),
    (
        "cd d* && cat secret_link",
        "cd to a folder that is not named",
    ),
    ("cd src_link && cat main.rs", "R"),
    ("echo $[1+1]", "arithmetic expansion"),
    // Test and build commands: options that run programs still ask.
    (
        "cargo test --config 'build.rustc-wrapper=\"x\"'",
        "--config",
    ),
    ("cargo test --conf=x", "--config"),
    ("cargo build -Zunstable-options", "-Z"),
    ("go test -exec x ./...", "-exec"),
    ("go vet -vettool=x ./...", "-vettool"),
    ("npm test --script-shell=x", "--script-shell"),
    ("pytest -p evil", "-p"),
    ("cargo test --target-dir /tmp/t", "outside the workspace"),
    ("cargo test 2>&1 | tail -20", "B"),
];

#[test]
fn classification_table() {
    assert!(CASES.len() >= 400, "{} cases", CASES.len());
    check_rows(CASES);
}

#[test]
fn configured_safe_commands_are_build_and_still_checked() {
    let fx = fixture();
    let safe = vec!["make lint".to_string(), "just test".to_string()];
    let run = |c: &str| run(&fx.root, c, &safe);
    assert_eq!(run("make lint"), Class::Build);
    assert_eq!(run("just test --verbose"), Class::Build);
    assert_eq!(run("cd src && just test"), Class::Build);
    let why = |c: &str| match run(c) {
        Class::Ask(w) => w,
        other => panic!("{c}: {other:?}"),
    };
    assert!(why("just deploy").contains("not a known read-only command: just"));
    assert!(why("make lint > out").contains("output redirection"));
    assert!(why("make lint; touch x").contains("touch"));
    assert!(why("make lint --eval='x:'").contains("--eval"));
    assert!(why("make lint SHELL=/tmp/x").contains("overrides a build variable"));
    assert!(why("just test --shell /tmp/x").contains("--shell"));
    assert!(why("just test /etc/passwd").contains("outside the workspace"));
    assert!(why("just test\\ --shell x").contains("not a known read-only"));
}

/// Commands agents run all the time; each must run without asking.
const COMMON: &[&str] = &[
    "git log --oneline -5",
    "git diff --stat",
    "grep -rn X .",
    "sed -n 1,20p f",
    "wc -l < f",
    "ls -la src",
    "find . -name '*.rs'",
    "git status",
    "git status --short",
    "git diff",
    "git diff HEAD~1 -- src",
    "git log -p -3 -- src/main.rs",
    "git show HEAD --stat",
    "git branch --show-current",
    "git log --oneline -5 | head -3",
    "git diff --stat | tail -1",
    "grep -rn 'fn main' src | head -20",
    "grep -rn \"TODO\" --include='*.rs' .",
    "grep -c x f",
    "rg -n TODO src",
    "rg --files | wc -l",
    "find . -name '*.rs' | wc -l",
    "find src -type f | sort | head",
    "ls",
    "ls -R src | head -50",
    "cat Cargo.toml",
    "cat src/main.rs | head -40",
    "head -n 50 src/main.rs",
    "tail -n 20 log.txt",
    "sed -n '10,40p' src/main.rs",
    "sed -n -e '1p' -e '$p' f",
    "wc -l src/*.rs",
    "wc -l src/*.rs | sort -n | tail -5",
    "tree src",
    "du -sh src",
    "cut -d: -f1 names.txt | sort | uniq -c",
    "sort names.txt | uniq",
    "diff f names.txt",
    "echo done",
    "pwd && ls",
    "cd src && ls -la",
    "file src/main.rs",
    "stat Cargo.toml",
    "jq .name f",
    "cargo test",
    "cargo test 2>&1 | tail -30",
    "cargo build --release 2>&1 | grep -n error",
    "cargo clippy -- -D warnings",
    "go test ./...",
    "npm test",
];

#[test]
fn common_commands_run_and_attacks_ask() {
    let fx = fixture();
    let allowed: Vec<&&str> = COMMON
        .iter()
        .filter(|c| !matches!(run(&fx.root, c, &[]), Class::Ask(_)))
        .collect();
    let attacks: Vec<&(&str, &str)> = CASES
        .iter()
        .filter(|(_, w)| *w != "R" && *w != "B")
        .collect();
    let asked = attacks
        .iter()
        .filter(|(c, _)| matches!(run(&fx.root, c, &[]), Class::Ask(_)))
        .count();
    eprintln!(
        "safe commands allowed: {}/{}; attacks asked: {asked}/{}",
        allowed.len(),
        COMMON.len(),
        attacks.len()
    );
    let refused: Vec<_> = COMMON
        .iter()
        .filter(|c| matches!(run(&fx.root, c, &[]), Class::Ask(_)))
        .map(|c| format!("{c}: {:?}", run(&fx.root, c, &[])))
        .collect();
    assert!(refused.is_empty(), "{}", refused.join("\n"));
    assert_eq!(asked, attacks.len());
}
