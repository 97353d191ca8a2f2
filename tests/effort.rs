//! Thinking effort on every wire format, and OpenAI's Responses API: what
//! wisp sends, checked byte for byte on its way to aimock, and what it makes
//! of the streamed answers.

mod support;
mod wire;
use serde_json::{json, Value};
use support::{fake, wisp, Aimock};
use wire::Wire;

/// Runs one `-p` call with `--effort LEVEL` (or none) against `provider`,
/// through the recording proxy, and returns the request body it sent.
fn body_for(provider: &str, effort: Option<&str>, model: &str) -> Value {
    let mock =
        Aimock::start(json!([{"match": {"userMessage": "hi"}, "response": {"content": "Hello."}}]));
    let wire = Wire::start(mock.port);
    let url = wire.url();
    let mut args = vec!["-p", "hi", "--provider", provider, "--model", model];
    if let Some(e) = effort {
        args.extend(["--effort", e]);
    }
    let run = wisp()
        .env("OPENAI_BASE_URL", &format!("{url}/v1"))
        .env("OPENAI_API_KEY", "k")
        .env("ANTHROPIC_BASE_URL", &url)
        .env("ANTHROPIC_API_KEY", "k")
        .env("GOOGLE_GEMINI_BASE_URL", &url)
        .env("GEMINI_API_KEY", "k")
        .env("OLLAMA_HOST", url.trim_start_matches("http://"))
        .env("OPENROUTER_BASE_URL", &format!("{url}/api/v1"))
        .env("OPENROUTER_API_KEY", "k")
        .args(&args)
        .run();
    run.success();
    assert!(
        run.stdout.contains("Hello."),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    let prefix = match provider {
        "openai" => "/v1/chat/completions",
        "openrouter" => "/api/v1/chat/completions",
        "anthropic" => "/v1/messages",
        "gemini" => "/v1beta/models/",
        _ => "/api/chat",
    };
    let reqs = wire.requests(prefix);
    assert_eq!(reqs.len(), 1, "one call to {prefix}");
    reqs[0].body.clone()
}

/// The keys that carry effort in each format; none may appear when unset.
const EFFORT_KEYS: &[&str] = &["reasoning_effort", "reasoning", "thinking", "think"];

fn effort_keys(body: &Value) -> Vec<&'static str> {
    let mut found: Vec<&str> = EFFORT_KEYS
        .iter()
        .copied()
        .filter(|k| body.get(*k).is_some())
        .collect();
    if body["generationConfig"].get("thinkingConfig").is_some() {
        found.push("thinkingConfig");
    }
    found
}

#[test]
fn unset_effort_sends_nothing_on_any_provider() {
    for p in ["openai", "openrouter", "anthropic", "gemini", "ollama"] {
        let body = body_for(p, None, "m");
        assert!(effort_keys(&body).is_empty(), "{p}: {body}");
    }
}

#[test]
fn each_level_maps_to_each_providers_own_parameter() {
    for level in ["off", "low", "medium", "high"] {
        let b = body_for("openai", Some(level), "o4-mini");
        let want = if level == "off" { "none" } else { level };
        assert_eq!(b["reasoning_effort"], want, "openai {level}");
        assert_eq!(effort_keys(&b), ["reasoning_effort"]);

        let b = body_for("openrouter", Some(level), "openai/o4-mini");
        let want = if level == "off" {
            json!({"enabled": false})
        } else {
            json!({"effort": level})
        };
        assert_eq!(b["reasoning"], want, "openrouter {level}");
        assert_eq!(effort_keys(&b), ["reasoning"]);

        let b = body_for("anthropic", Some(level), "claude-sonnet-4-5");
        if level == "off" {
            assert!(effort_keys(&b).is_empty(), "anthropic off omits it: {b}");
        } else {
            let budget = b["thinking"]["budget_tokens"].as_u64().expect("budget");
            assert_eq!(b["thinking"]["type"], "enabled");
            assert!(budget >= 1024, "{budget}");
            assert!(
                b["max_tokens"].as_u64().expect("max_tokens") > budget,
                "max_tokens stays above the budget: {b}"
            );
            assert_eq!(effort_keys(&b), ["thinking"]);
        }

        let b = body_for("gemini", Some(level), "gemini-2.5-flash");
        let tc = &b["generationConfig"]["thinkingConfig"];
        assert_eq!(tc["includeThoughts"], level != "off", "gemini {level}");
        assert_eq!(tc["thinkingBudget"].as_u64() == Some(0), level == "off");
        assert_eq!(effort_keys(&b), ["thinkingConfig"]);

        let b = body_for("ollama", Some(level), "qwen3");
        assert_eq!(b["think"], level != "off", "ollama {level}");
        let b = body_for("ollama", Some(level), "gpt-oss:20b");
        let want = if level == "off" {
            json!(false)
        } else {
            json!(level)
        };
        assert_eq!(b["think"], want, "ollama leveled {level}");
    }
    // Budgets grow with the level.
    let budget = |l| {
        body_for("anthropic", Some(l), "claude-sonnet-4-5")["thinking"]["budget_tokens"]
            .as_u64()
            .expect("budget")
    };
    assert!(budget("low") < budget("medium") && budget("medium") < budget("high"));
}

#[test]
fn effort_comes_from_env_and_config_and_a_bad_value_is_one_line() {
    let mock =
        Aimock::start(json!([{"match": {"userMessage": "hi"}, "response": {"content": "Hello."}}]));
    let wire = Wire::start(mock.port);
    let url = format!("{}/v1", wire.url());
    wisp()
        .env("OPENAI_BASE_URL", &url)
        .env("WISP_PROVIDER", "openai")
        .env("WISP_EFFORT", "low")
        .args(&["-p", "hi"])
        .run()
        .success();
    wisp()
        .env("OPENAI_BASE_URL", &url)
        .env("WISP_PROVIDER", "openai")
        .config("effort = \"high\"\n")
        .args(&["-p", "hi"])
        .run()
        .success();
    let reqs = wire.requests("/v1/chat/completions");
    assert_eq!(reqs[0].body["reasoning_effort"], "low");
    assert_eq!(reqs[1].body["reasoning_effort"], "high");
    let bad = wisp()
        .env("OPENAI_BASE_URL", &url)
        .env("WISP_PROVIDER", "openai")
        .args(&["-p", "hi", "--effort", "max"])
        .run();
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert_eq!(bad.stderr.trim().lines().count(), 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("--effort"), "{}", bad.stderr);
}

#[test]
fn effort_changes_mid_conversation_with_slash_effort() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "one"}, "response": {"content": "First."}},
        {"match": {"userMessage": "two"}, "response": {"content": "Second."}},
        {"match": {"userMessage": "three"}, "response": {"content": "Third."}}
    ]));
    let wire = Wire::start(mock.port);
    let run = wisp()
        .env("OPENAI_BASE_URL", &format!("{}/v1", wire.url()))
        .env("WISP_PROVIDER", "openai")
        .stdin("one\n/effort high\ntwo\n/effort default\nthree\n/effort\n")
        .run();
    run.success();
    assert!(run.stdout.contains("effort: high"), "{}", run.stdout);
    let reqs = wire.requests("/v1/chat/completions");
    assert_eq!(reqs.len(), 3);
    assert!(reqs[0].body.get("reasoning_effort").is_none());
    assert_eq!(reqs[1].body["reasoning_effort"], "high");
    assert!(reqs[2].body.get("reasoning_effort").is_none());
}

#[test]
fn a_model_rejecting_the_parameter_is_retried_once_without_it() {
    let rejection = r#"{"error":{"message":"Unsupported parameter: 'reasoning_effort' is not supported with this model.","type":"invalid_request_error","param":"reasoning_effort","code":"unsupported_parameter"}}"#;
    let server = fake::Fake::start(vec![
        fake::Reply::error(400, rejection, &[]),
        fake::Reply::sse_text(&["Fine ", "without it."]),
        fake::Reply::sse_text(&["Again."]),
    ]);
    let run = wisp()
        .env("OPENAI_BASE_URL", &server.base())
        .env("WISP_PROVIDER", "openai")
        .args(&["--effort", "high"])
        .stdin("first\nsecond\n")
        .run();
    run.success();
    assert!(run.stdout.contains("Fine without it."), "{}", run.stdout);
    assert!(run.stdout.contains("Again."), "{}", run.stdout);
    let notes: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("rejected the effort setting"))
        .collect();
    assert_eq!(notes.len(), 1, "one line, once: {}", run.stderr);
    assert_eq!(server.count(), 3, "one retry, and no third attempt with it");
    let sent = server.requests.lock().expect("requests").clone();
    assert!(
        sent[0].contains("\"reasoning_effort\":\"high\""),
        "{}",
        sent[0]
    );
    assert!(!sent[1].contains("reasoning_effort"), "{}", sent[1]);
    assert!(
        !sent[2].contains("reasoning_effort"),
        "remembered: {}",
        sent[2]
    );
}

/// A Responses conversation: two tool-call rounds with reasoning, then an answer.
#[test]
fn responses_carries_reasoning_across_two_tool_rounds() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "count words", "toolResultContains": "beta"},
         "response": {"content": "Both files read.", "usage": {"input_tokens": 300, "output_tokens": 20}}},
        {"match": {"userMessage": "count words", "toolResultContains": "alpha"},
         "response": {"reasoning": "Now the second file.",
                      "toolCalls": [{"name": "read", "arguments": {"path": "b.txt"}}]}},
        {"match": {"userMessage": "count words", "hasToolResult": false},
         "response": {"reasoning": "I should read a.txt first.",
                      "toolCalls": [{"name": "read", "arguments": {"path": "a.txt"}}]}}
    ]));
    let wire = Wire::start(mock.port);
    let run = wisp()
        .env("OPENAI_BASE_URL", &format!("{}/v1", wire.url()))
        .env("WISP_PROVIDER", "openai")
        .env("WISP_MODEL", "o4-mini")
        .config("[providers.openai]\nwire = \"responses\"\n")
        .file("a.txt", "alpha\n")
        .file("b.txt", "beta\n")
        .args(&[
            "-p",
            "count words",
            "--effort",
            "medium",
            "--output-format",
            "json",
        ])
        .run();
    run.success();
    let out: Value = serde_json::from_str(run.stdout.trim()).expect("json result");
    assert_eq!(out["result"], "Both files read.", "{}", run.stderr);
    assert_eq!(out["usage"]["output_tokens"], 20);

    let reqs = wire.requests("/v1/responses");
    assert_eq!(reqs.len(), 3, "three calls");
    for r in &reqs {
        assert_eq!(r.body["store"], false);
        assert_eq!(r.body["include"], json!(["reasoning.encrypted_content"]));
        assert_eq!(
            r.body["reasoning"],
            json!({"effort": "medium", "summary": "auto"})
        );
        assert!(r.body["prompt_cache_key"].is_string(), "{}", r.body);
        assert_eq!(r.header("authorization"), None, "no key set, none sent");
    }
    // Each later request sends back the reasoning items, before their calls.
    let items = |i: usize| reqs[i].body["input"].as_array().cloned().expect("input");
    let second = items(1);
    let kinds: Vec<&str> = second
        .iter()
        .map(|v| v["type"].as_str().unwrap_or("message"))
        .collect();
    assert_eq!(
        kinds,
        [
            "message",
            "reasoning",
            "function_call",
            "function_call_output"
        ]
    );
    assert!(second[1]["encrypted_content"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    assert_eq!(
        second[1]["summary"][0]["text"],
        "I should read a.txt first."
    );
    assert_eq!(second[3]["call_id"], second[2]["call_id"]);
    assert!(second[3]["output"]
        .as_str()
        .expect("output")
        .contains("alpha"));
    let third = items(2);
    let reasoning: Vec<&Value> = third.iter().filter(|v| v["type"] == "reasoning").collect();
    assert_eq!(reasoning.len(), 2, "both rounds' reasoning: {third:?}");
}

#[test]
fn switching_from_responses_to_anthropic_and_back_keeps_the_history() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "read notes", "hasToolResult": false},
         "response": {"reasoning": "Look at the notes.",
                      "toolCalls": [{"name": "read", "arguments": {"path": "notes.txt"}}]}},
        {"match": {"userMessage": "read notes", "hasToolResult": true}, "response": {"content": "Notes read."}},
        {"match": {"userMessage": "now anthropic"}, "response": {"content": "From anthropic."}},
        {"match": {"userMessage": "back to openai"}, "response": {"content": "From responses."}}
    ]));
    let wire = Wire::start(mock.port);
    let url = wire.url();
    let run = wisp()
        .env("OPENAI_BASE_URL", &format!("{url}/v1"))
        .env("WISP_PROVIDER", "openai")
        .env("ANTHROPIC_BASE_URL", &url)
        .env("ANTHROPIC_API_KEY", "k")
        .config("[providers.openai]\nwire = \"responses\"\n")
        .file("notes.txt", "remember the blue door\n")
        .stdin("read notes\n/provider anthropic\nnow anthropic\n/provider openai\nback to openai\n")
        .run();
    run.success();
    for answer in ["Notes read.", "From anthropic.", "From responses."] {
        assert!(
            run.stdout.contains(answer),
            "{answer}:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    let a = &wire.requests("/v1/messages")[0].body;
    let blocks: Vec<Value> = a["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .flat_map(|m| m["content"].as_array().cloned().unwrap_or_default())
        .collect();
    let used = blocks
        .iter()
        .find(|b| b["type"] == "tool_use")
        .expect("tool_use");
    let result = blocks
        .iter()
        .find(|b| b["type"] == "tool_result")
        .expect("tool_result");
    assert_eq!(result["tool_use_id"], used["id"]);
    assert!(result.to_string().contains("blue door"));
    assert!(
        !blocks.iter().any(|b| b["type"] == "thinking"),
        "OpenAI's reasoning is never sent to Anthropic"
    );
    let back = wire.requests("/v1/responses");
    let last = &back.last().expect("responses call").body["input"];
    let items = last.as_array().expect("input");
    let call = items
        .iter()
        .find(|v| v["type"] == "function_call")
        .expect("call kept");
    let output = items
        .iter()
        .find(|v| v["type"] == "function_call_output")
        .expect("result kept");
    assert_eq!(call["call_id"], output["call_id"]);
    assert!(output["output"]
        .as_str()
        .expect("text")
        .contains("blue door"));
}

#[test]
fn thinking_is_summed_up_by_default_and_shown_with_thinking_on() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "think"}, "response": {"reasoning": "Weigh the options carefully.", "content": "Decided."}}
    ]));
    let wire = Wire::start(mock.port);
    let url = format!("{}/v1", wire.url());
    let base = || {
        wisp()
            .env("OPENAI_BASE_URL", &url)
            .env("WISP_PROVIDER", "openai")
            .config("[providers.openai]\nwire = \"responses\"\n")
            .args(&["--plain"])
    };
    let summary = base().stdin("think\n").run();
    summary.success();
    let all = format!("{}{}", summary.stdout, summary.stderr);
    assert!(all.contains("thinking: ~"), "{all}");
    assert!(
        !all.contains("thinking: Weigh the options carefully."),
        "{all}"
    );
    let full = base().stdin("/thinking on\nthink\n").run();
    full.success();
    let all = format!("{}{}", full.stdout, full.stderr);
    assert!(
        all.contains("thinking: Weigh the options carefully."),
        "{all}"
    );
    assert!(all.contains("Decided."), "{all}");
}
