//! The official MCP client conformance suite (`@modelcontextprotocol/conformance`,
//! installed by tests/support/setup) run against wisp: each scenario's server
//! listens on every interface, so it runs in a private network namespace
//! (tests/support/conformance/run.sh), with aimock asking wisp to use its tools.

mod support;
use std::process::{Command, Stdio};
use support::root;

/// `unshare -n` if this machine permits it (root), else `unshare -rn` (user
/// namespaces); None when neither does.
fn unshare() -> Option<Vec<&'static str>> {
    [vec!["-n"], vec!["-r", "-n"]].into_iter().find(|flags| {
        Command::new("unshare")
            .args(flags)
            .arg("true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

fn scenario(name: &str) {
    let suite = root().join(".cache/conformance/node_modules/@modelcontextprotocol/conformance");
    assert!(
        suite.exists(),
        "the conformance suite is not installed: run tests/support/setup (scripts/test does it)"
    );
    let Some(flags) = unshare() else {
        return support::skip(
            &format!("mcp conformance {name}"),
            "`unshare -n` is not permitted here, and the suite needs its own network",
        );
    };
    let out = Command::new("unshare")
        .args(&flags)
        .arg("bash")
        .arg(root().join("tests/support/conformance/run.sh"))
        .arg(name)
        .env("WISP_BIN", env!("CARGO_BIN_EXE_wisp"))
        // A call whose answer never comes fails in seconds, not ten minutes.
        .env("MCP_TOOL_TIMEOUT", "20000")
        .output()
        .expect("run the conformance suite");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("OVERALL: PASSED") && !report.contains("FAILURE"),
        "{name}: {report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn conformance_initialize() {
    scenario("initialize");
}

#[test]
fn conformance_tools_call() {
    scenario("tools_call");
}

#[test]
fn conformance_sse_retry_resumes_the_stream_after_retry_ms() {
    scenario("sse-retry");
}
