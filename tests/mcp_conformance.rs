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
    scenario_at(name, &[]);
}

/// Runs `name` with the suite's `--spec-version` set to the stateless revision.
fn stateless(name: &str) {
    scenario_at(name, &["--spec-version", "2026-07-28"]);
}

fn scenario_at(name: &str, options: &[&str]) {
    if let Some((report, stderr)) = report(name, options) {
        assert!(
            report.contains("OVERALL: PASSED") && !report.contains("FAILURE"),
            "{name}: {report}\n{stderr}"
        );
    }
}

/// The suite's report (stdout, stderr) for one scenario; None when skipped.
fn report(name: &str, options: &[&str]) -> Option<(String, String)> {
    let suite = root().join(".cache/conformance/node_modules/@modelcontextprotocol/conformance");
    assert!(
        suite.exists(),
        "the conformance suite is not installed: run tests/support/setup (scripts/test does it)"
    );
    let Some(flags) = unshare() else {
        support::skip(
            &format!("mcp conformance {name}"),
            "`unshare -n` is not permitted here, and the suite needs its own network",
        );
        return None;
    };
    let out = Command::new("unshare")
        .args(&flags)
        .arg("bash")
        .arg(root().join("tests/support/conformance/run.sh"))
        .arg(name)
        .args(options)
        .env("WISP_BIN", env!("CARGO_BIN_EXE_wisp"))
        // A call whose answer never comes fails in seconds, not ten minutes.
        .env("MCP_TOOL_TIMEOUT", "20000")
        .output()
        .expect("run the conformance suite");
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
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

#[test]
fn conformance_tools_call_on_the_stateless_revision() {
    stateless("tools_call");
}

#[test]
fn conformance_request_metadata_on_every_request() {
    stateless("request-metadata");
}

#[test]
fn conformance_http_standard_headers() {
    stateless("http-standard-headers");
}

#[test]
fn conformance_tool_arguments_mirrored_into_headers() {
    stateless("http-custom-headers");
}

#[test]
fn conformance_tools_with_malformed_header_declarations_are_left_out() {
    stateless("http-invalid-tool-headers");
}

#[test]
fn conformance_json_schema_refs_are_passed_on_untouched() {
    stateless("json-schema-ref-no-deref");
}

/// Every authorization scenario of the stateless revision: wisp signs in
/// (discovery, registration or a pre-registered client, PKCE, the `iss`
/// checks, step-up, a new authorization server) through a `BROWSER` that
/// follows the redirect. `auth/basic-cimd` passes every check but warns that
/// wisp has no URL-based client id (it hosts no client metadata document).
#[test]
fn conformance_auth_scenarios() {
    let all = [
        "auth/metadata-default",
        "auth/metadata-var1",
        "auth/metadata-var2",
        "auth/metadata-var3",
        "auth/basic-cimd",
        "auth/scope-from-www-authenticate",
        "auth/scope-from-scopes-supported",
        "auth/scope-omitted-when-undefined",
        "auth/scope-step-up",
        "auth/scope-retry-limit",
        "auth/token-endpoint-auth-basic",
        "auth/token-endpoint-auth-post",
        "auth/token-endpoint-auth-none",
        "auth/pre-registration",
        "auth/resource-mismatch",
        "auth/offline-access-scope",
        "auth/offline-access-not-supported",
        "auth/authorization-server-migration",
        "auth/iss-supported",
        "auth/iss-not-advertised",
        "auth/iss-supported-missing",
        "auth/iss-wrong-issuer",
        "auth/iss-unexpected",
        "auth/iss-normalized",
        "auth/metadata-issuer-mismatch",
    ];
    let mut failed = Vec::new();
    for name in all {
        let Some((report, _)) = report(name, &["--spec-version", "2026-07-28"]) else {
            return;
        };
        let ok = if name == "auth/basic-cimd" {
            report.contains(", 0 failed,") && !report.contains("FAILURE")
        } else {
            report.contains("OVERALL: PASSED") && !report.contains("FAILURE")
        };
        if !ok {
            failed.push(format!("{name}:\n{report}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
