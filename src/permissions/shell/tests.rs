//! The classifier table: each row is a command and what it must be classified as.

use super::*;

const R: u8 = 0; // ReadOnly
const B: u8 = 1; // Build
const A: u8 = 2; // Ask

const CASES: &[(&str, u8)] = &[
    // Plain read-only commands.
    ("ls", R),
    ("ls -la src", R),
    ("cat README.md", R),
    ("head -n 20 src/main.rs", R),
    ("tail -n 5 log.txt", R),
    ("wc -l src/*.rs", R),
    ("pwd", R),
    ("echo hello", R),
    ("which cargo", R),
    ("file target/wisp", R),
    ("stat Cargo.toml", R),
    ("du -sh .", R),
    ("df -h", R),
    ("tree src", R),
    ("diff a.txt b.txt", R),
    ("cmp a b", R),
    ("grep -rn 'fn main' src", R),
    ("rg -n TODO", R),
    ("rg --files", R),
    ("find . -name '*.rs'", R),
    ("find src -type f -newer Cargo.toml", R),
    ("sort names.txt", R),
    ("sort -u -k2 x", R),
    ("uniq -c counts.txt", R),
    ("cut -d: -f1 /etc/passwd", R),
    ("basename a/b.rs", R),
    ("realpath .", R),
    ("date", R),
    ("uname -a", R),
    ("jq .name package.json", R),
    ("printf '%s\\n' a b", R),
    ("true", R),
    ("nl file", R),
    ("tr a-z A-Z", R),
    // Quoted operators are text, not operators.
    ("grep ';' file", R),
    ("grep '|' file", R),
    ("echo \"a > b\"", R),
    ("echo 'a && b'", R),
    ("grep \"x;y\" f", R),
    ("echo a\\;b", R),
    ("grep -e '$(x)' f", R),
    ("echo '`date`'", R),
    // Pipelines and lists of read-only parts.
    ("cat a | grep b | wc -l", R),
    ("ls && pwd", R),
    ("ls; pwd", R),
    ("ls || echo none", R),
    ("ls\npwd", R),
    ("git log --oneline | head -5", R),
    ("cd src && ls", R),
    // Abbreviated long options are the option itself.
    ("sort --outp=x names.txt", A),
    ("sort --out x names.txt", A),
    ("tail --foll log", A),
    ("sed -n --in-pl 's/a/b/p' f", A),
    ("git diff --outp=x", A),
    ("git log --ext HEAD", A),
    ("sort --", R),
    // Patterns and variables that may expand into options or other paths.
    ("sort *", A),
    ("sort ''*", A),
    ("sort {--output=x,y}", A),
    ("tree *", A),
    ("git diff -- *", A),
    ("sort ./*", R),
    ("sort src/*.txt", R),
    ("ls *", R),
    ("cat *.md", R),
    ("grep -n x *", R),
    ("git diff -- '*.rs'", R),
    ("c* file", A),
    ("cat $HOME/.ssh/id_rsa", A),
    ("head \"${F}\"", A),
    ("echo $HOME", R),
    ("grep -n 'x$' f", R),
    ("grep -n \"x$\" f", R),
    ("grep x$ f", R),
    // cd to a folder the workspace check cannot see.
    ("cd", A),
    ("cd -", A),
    ("cd $HOME && cargo test", A),
    ("cd src && cargo test", B),
    ("ls 2>&1 | head", R),
    ("ls 2>/dev/null", R),
    ("grep x f > /dev/null", R),
    ("ls >&2", R),
    ("sort < input.txt", R),
    ("ls &>/dev/null", R),
    ("ls | sort | uniq", R),
    ("ls |& grep x", R),
    ("cat x # comment > file", R),
    // git, read-only.
    ("git status", R),
    ("git status --short", R),
    ("git log -p -3", R),
    ("git diff HEAD~1", R),
    ("git diff --stat", R),
    ("git show HEAD:src/main.rs", R),
    ("git blame src/lib.rs", R),
    ("git ls-files", R),
    ("git rev-parse HEAD", R),
    ("git branch", R),
    ("git branch -a", R),
    ("git branch -vv", R),
    ("git branch --show-current", R),
    ("git branch --list 'feat*'", R),
    ("git -C sub status", R),
    ("git --no-pager log", R),
    ("git branch --contains HEAD", R),
    // sed, read-only forms.
    ("sed -n '1,5p' file", R),
    ("sed -n '/fn main/p' src/main.rs", R),
    ("sed -n 's/a/b/p' f", R),
    ("sed -n -e '10p' -e '20p' f", R),
    ("sed -n '$p' f", R),
    ("sed -n '5,$p' f", R),
    // Build and test commands.
    ("cargo test", B),
    ("cargo test --all -- --nocapture", B),
    ("cargo build --release", B),
    ("cargo check", B),
    ("cargo clippy -- -D warnings", B),
    ("cargo fmt --check", B),
    ("cargo nextest run", B),
    ("npm test", B),
    ("npm run test", B),
    ("pytest -q", B),
    ("python -m pytest tests", B),
    ("go test ./...", B),
    ("go vet ./...", B),
    ("make test", B),
    ("cargo test && git status", B),
    ("make check", B),
    // Redirection to files.
    ("echo hi > out.txt", A),
    ("echo hi >> out.txt", A),
    ("ls > /tmp/x", A),
    ("ls 2> err.log", A),
    ("ls &> all.log", A),
    ("ls >| f", A),
    ("cat a 1> b", A),
    ("ls >out", A),
    // tee, find, sed, git writing.
    ("ls | tee out.txt", A),
    ("find . -exec rm {} \\;", A),
    ("find . -delete", A),
    ("find . -execdir ls \\;", A),
    ("find . -fprint out", A),
    ("find . -ok rm {} \\;", A),
    ("sed -i 's/a/b/' f", A),
    ("sed -i.bak 's/a/b/' f", A),
    ("sed -n 'w out' f", A),
    ("sed -n 's/a/b/w out' f", A),
    ("sed -n '1e date' f", A),
    ("sed 's/a/b/' f", A),
    ("sed -ni 's/a/b/p' f", A),
    ("git log --output=log.txt", A),
    ("git diff --output x", A),
    ("git diff --ext-diff", A),
    ("git -c core.pager=evil log", A),
    ("git branch newname", A),
    ("git branch -D old", A),
    ("git branch -m a b", A),
    ("git commit -m x", A),
    ("git push", A),
    ("git checkout main", A),
    ("git reset --hard", A),
    ("git clean -fd", A),
    ("git config user.name x", A),
    ("git --exec-path=/tmp log", A),
    ("git show --textconv HEAD", A),
    // Substitutions, subshells, heredocs, background.
    ("echo $(rm -rf x)", A),
    ("echo `rm x`", A),
    ("cat <(ls)", A),
    ("diff <(ls a) <(ls b)", A),
    ("echo \"$(date)\"", A),
    ("(cd x && ls)", A),
    ("{ ls; }", A),
    ("cat <<EOF\nhi\nEOF", A),
    ("cat <<< 'hi'", A),
    ("sleep 10 &", A),
    ("ls & pwd", A),
    ("tee >(cat) x", A),
    // Wrappers and interpreters.
    ("sh -c 'ls'", A),
    ("bash -c ls", A),
    ("eval ls", A),
    ("exec ls", A),
    ("env ls", A),
    ("env FOO=1 ls", A),
    ("xargs rm", A),
    ("find . | xargs cat", A),
    ("sudo ls", A),
    ("nohup ls", A),
    ("timeout 5 ls", A),
    ("watch ls", A),
    ("nice ls", A),
    ("time ls", A),
    ("command ls", A),
    ("python script.py", A),
    ("node x.js", A),
    ("awk '{print}' f", A),
    ("perl -e 'print 1'", A),
    ("source env.sh", A),
    (". env.sh", A),
    // Variables and paths that change which program runs.
    ("FOO=1 ls", A),
    ("PATH=/tmp:$PATH ls", A),
    ("$CMD", A),
    ("${X} foo", A),
    ("./ls", A),
    ("/tmp/cat file", A),
    ("bin/run", A),
    // Other unsafe or unknown programs.
    ("rm file", A),
    ("rm -rf target", A),
    ("mv a b", A),
    ("cp a b", A),
    ("mkdir x", A),
    ("touch f", A),
    ("chmod +x f", A),
    ("curl http://example.com", A),
    ("wget x", A),
    ("ssh host", A),
    ("npm install", A),
    ("cargo install ripgrep", A),
    ("cargo run", A),
    ("cargo fmt", A),
    ("make", A),
    ("make install", A),
    ("go run .", A),
    ("pip install x", A),
    ("tail -f log", A),
    ("rg --pre cat x", A),
    ("rg --pre=cat x", A),
    ("sort -o out in", A),
    ("sort --output=out in", A),
    ("sort -oout in", A),
    ("tree -o out", A),
    ("date -s 2020-01-01", A),
    ("printf -v x hi", A),
    ("uniq in out", A),
    ("less file", A),
    ("vim file", A),
    ("unknowncmd", A),
    ("", A),
    ("echo 'unbalanced", A),
    ("echo \"unbalanced", A),
    ("ls; rm x", A),
    ("ls && rm x", A),
    ("cat a | sh", A),
    (";", A),
    ("cargo test; rm -rf /", A),
    ("git status && git push", A),
];

#[test]
fn classification_table() {
    assert!(CASES.len() >= 150, "{} cases", CASES.len());
    let mut failures = Vec::new();
    for (cmd, want) in CASES {
        let got = match classify(cmd, &[]) {
            Class::ReadOnly => R,
            Class::Build => B,
            Class::Ask(_) => A,
        };
        if got != *want {
            failures.push(format!(
                "{cmd:?}: got {got}, want {want} ({:?})",
                classify(cmd, &[])
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn reasons_name_the_problem() {
    let why = |c: &str| match classify(c, &[]) {
        Class::Ask(w) => w,
        other => panic!("{c}: {other:?}"),
    };
    assert!(why("echo x > f").contains("redirection"));
    assert!(why("echo $(id)").contains("substitution"));
    assert!(why("xargs rm").contains("xargs"));
    assert!(why("foo --bar").contains("foo"));
    assert!(why("sleep 1 &").contains("background"));
}

#[test]
fn configured_safe_commands_are_build() {
    let safe = vec!["make lint".to_string(), "just test".to_string()];
    assert_eq!(classify("make lint", &safe), Class::Build);
    assert_eq!(classify("just test --verbose", &safe), Class::Build);
    assert!(matches!(classify("just deploy", &safe), Class::Ask(_)));
    assert!(matches!(classify("make lint > out", &safe), Class::Ask(_)));
}
