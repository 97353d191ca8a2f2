//! Faults between wisp and a provider: rate limits (with absurd Retry-After),
//! server errors, refused connections, broken, malformed, stalled, oversized
//! and deeply nested streams, invalid UTF-8; and a non-UTF-8 argument. Each
//! ends in one clear line and loses nothing. Other peers: faults_peers.rs.

mod support;
use support::fake::{Fake, Part, Reply};
use support::wisp;

fn openai(fake: &Fake) -> support::Wisp {
    wisp()
        .env("WISP_PROVIDER", "openai")
        .env("OPENAI_BASE_URL", &fake.url())
        .env("OPENAI_API_KEY", "k")
}

#[test]
fn rate_limit_with_retry_after_then_success() {
    let fake = Fake::start(vec![
        Reply::error(
            429,
            r#"{"error":{"message":"slow down"}}"#,
            &[("retry-after", "1")],
        ),
        Reply::sse_text(&["Worked ", "after waiting."]),
    ]);
    let started = std::time::Instant::now();
    let run = openai(&fake).args(&["-p", "hi"]).run();
    run.success();
    assert_eq!(run.stdout, "Worked after waiting.\n");
    assert!(
        run.stderr.contains("HTTP 429; retrying in 1.0s"),
        "{}",
        run.stderr
    );
    assert!(
        started.elapsed().as_millis() >= 1000,
        "Retry-After was honoured"
    );
    assert_eq!(fake.count(), 2);
}

#[test]
fn server_error_then_success() {
    let fake = Fake::start(vec![
        Reply::error(500, r#"{"error":{"message":"oops"}}"#, &[]),
        Reply::sse_text(&["Recovered."]),
    ]);
    let run = openai(&fake).args(&["-p", "hi"]).run();
    run.success();
    assert_eq!(run.stdout, "Recovered.\n");
    assert_eq!(fake.count(), 2);
}

#[test]
fn broken_stream_keeps_the_partial_answer_and_retry_repeats_the_step() {
    let mut cut = Reply::sse_text(&["The first half ", "of an answer"]);
    cut.parts.truncate(2);
    cut.parts.push(Part::Cut);
    let fake = Fake::start(vec![cut, Reply::sse_text(&["The whole answer."])]);
    let run = openai(&fake).stdin("explain\n/retry\n").run();
    assert!(
        run.stdout.contains("The first half of an answer"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("The whole answer."), "{}", run.stdout);
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(errors[0].contains("openai"), "{}", errors[0]);
    let requests = fake.requests.lock().expect("log").clone();
    assert_eq!(requests.len(), 2);
    // The retry repeats the step from the user's message, without the broken half.
    assert!(!requests[1].contains("first half"), "{}", requests[1]);
    assert!(requests[1].contains("explain"));
}

#[test]
fn broken_stream_partial_stays_in_the_conversation() {
    let mut cut = Reply::sse_text(&["Half an answer"]);
    cut.parts.truncate(1);
    cut.parts.push(Part::Cut);
    let fake = Fake::start(vec![cut, Reply::sse_text(&["Next."])]);
    let run = openai(&fake).stdin("explain\nand then?\n").run();
    assert!(run.stdout.contains("Next."));
    let requests = fake.requests.lock().expect("log").clone();
    assert!(
        requests[1].contains("Half an answer\\n[interrupted: the stream failed]"),
        "{}",
        requests[1]
    );
}

#[test]
fn malformed_chunk_is_one_line_error() {
    let fake = Fake::start(vec![Reply {
        status: 200,
        headers: vec![("content-type".into(), "text/event-stream".into())],
        parts: vec![Part::Data(
            "data: {\"choices\": [{\"delta\": {\"content\": \"ok\"}}]}\n\ndata: {not json\n\n"
                .into(),
        )],
    }]);
    let run = openai(&fake)
        .config("retries = 0\n")
        .args(&["-p", "hi"])
        .run();
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("openai: malformed JSON in stream"),
        "{}",
        run.stderr
    );
}

#[test]
fn stalled_stream_times_out() {
    let mut stall = Reply::sse_text(&["Started "]);
    stall.parts.truncate(1);
    stall.parts.push(Part::Sleep(20_000));
    let fake = Fake::start(vec![stall]);
    let started = std::time::Instant::now();
    let run = openai(&fake)
        .config("idle_timeout = 1\n")
        .args(&["-p", "hi"])
        .run();
    assert_eq!(run.code, Some(1));
    assert!(
        started.elapsed().as_secs() < 10,
        "gave up on the idle timeout"
    );
    assert!(
        run.stderr
            .contains("stream stalled: nothing received for 1s"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("Started"),
        "the partial answer was shown"
    );
}

fn sse(parts: Vec<Part>) -> Reply {
    Reply {
        status: 200,
        headers: vec![("content-type".into(), "text/event-stream".into())],
        parts,
    }
}

fn errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("error:") || l.starts_with("wisp:"))
        .collect()
}

#[test]
fn connection_refused_is_one_line() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let run = wisp()
        .env("WISP_PROVIDER", "openai")
        .env("OPENAI_BASE_URL", &format!("http://127.0.0.1:{port}/v1"))
        .env("OPENAI_API_KEY", "k")
        .config("retries = 0\n")
        .args(&["-p", "hi"])
        .run();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("cannot reach"), "{}", run.stderr);
}

#[test]
fn absurd_retry_after_does_not_crash() {
    for ra in ["1e20", "inf", "-5", "NaN"] {
        let fake = Fake::start(vec![Reply::error(
            429,
            r#"{"error":{"message":"slow down"}}"#,
            &[("retry-after", ra)],
        )]);
        let run = openai(&fake)
            .config("retries = 0\n")
            .args(&["-p", "hi"])
            .run();
        assert_eq!(run.code, Some(1), "Retry-After {ra}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains("slow down"), "{}", run.stderr);
    }
}

#[test]
fn negative_retry_after_falls_back_to_backoff() {
    let fake = Fake::start(vec![
        Reply::error(429, "{}", &[("retry-after", "-30")]),
        Reply::sse_text(&["Fine."]),
    ]);
    let run = openai(&fake).args(&["-p", "hi"]).run();
    run.success();
    assert_eq!(run.stdout, "Fine.\n");
    assert!(run.stderr.contains("retrying in 0."), "{}", run.stderr);
}

#[test]
fn non_utf8_argument_is_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let w = wisp();
    let out = w
        .command()
        .arg(std::ffi::OsStr::from_bytes(b"-p\xff"))
        .output()
        .expect("run wisp");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
}

#[test]
fn a_50_mb_line_is_refused_by_name_and_the_session_goes_on() {
    let huge = sse(vec![
        Part::Data("data: {\"choices\":[{\"delta\":{\"content\":\"".into()),
        Part::Bytes(vec![b'x'; 1 << 20], 50),
        Part::Data("\"}}]}\n\n".into()),
    ]);
    let fake = Fake::start(vec![huge, Reply::sse_text(&["Still here."])]);
    let started = std::time::Instant::now();
    let run = openai(&fake)
        .config("retries = 0\n")
        .stdin("first\nsecond\n")
        .run();
    assert!(run.stdout.contains("Still here."), "{}", run.stdout);
    let errs = errors(&run.stderr);
    assert_eq!(errs.len(), 1, "{}", run.stderr);
    assert!(
        errs[0].contains("longer than the 8 MiB limit") && errs[0].contains("[limits]"),
        "{}",
        errs[0]
    );
    // Linear: a rescanning buffer took ~10 s for 16 MB.
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

#[test]
fn the_message_limit_is_configurable() {
    let fake = Fake::start(vec![Reply::sse_text(&[&"y".repeat(5000)])]);
    let run = openai(&fake)
        .config("retries = 0\n[limits]\nmessage = 4096\n")
        .args(&["-p", "hi"])
        .run();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("4 KiB limit"), "{}", run.stderr);
}

#[test]
fn invalid_utf8_inside_json_strings_is_replaced_not_fatal() {
    let mut body =
        b"data: {\"choices\":[{\"delta\":{\"content\":\"ok \xff\xfe\xe2\x82 done\"}}]}\n\n"
            .to_vec();
    body.extend_from_slice(
        b"data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
    );
    let fake = Fake::start(vec![sse(vec![Part::Bytes(body, 1)])]);
    let run = openai(&fake).args(&["-p", "hi"]).run();
    run.success();
    assert!(run.stdout.starts_with("ok \u{fffd}"), "{}", run.stdout);
    assert!(run.stdout.contains(" done"), "{}", run.stdout);
}

#[test]
fn json_nested_10000_deep_is_one_line_error() {
    let deep = format!(
        "data: {{\"choices\":[{{\"delta\":{{\"content\":{}1{}}}}}]}}\n\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let fake = Fake::start(vec![sse(vec![Part::Data(deep)])]);
    let run = openai(&fake)
        .config("retries = 0\n")
        .args(&["-p", "hi"])
        .run();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("openai:"), "{}", run.stderr);
}

#[test]
fn a_huge_error_body_is_read_only_up_to_the_limit() {
    let fake = Fake::start(vec![Reply {
        status: 500,
        headers: vec![],
        parts: vec![Part::Bytes(vec![b'e'; 1 << 20], 40)],
    }]);
    let run = openai(&fake)
        .config("retries = 0\n")
        .args(&["-p", "hi"])
        .run();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1);
    assert!(run.stderr.len() < 1000, "{}", run.stderr.len());
}
