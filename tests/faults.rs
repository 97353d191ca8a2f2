//! Faults between wisp and a provider: rate limits, server errors, broken,
//! malformed and stalled streams. Each ends in one clear line and loses nothing.

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
