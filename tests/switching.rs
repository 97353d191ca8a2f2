//! Switching provider mid-conversation: the next provider receives the whole
//! history, tool calls and results included, in its own wire format.

mod support;
mod wire;
use serde_json::{json, Value};
use support::{wisp, Aimock};
use wire::Wire;

fn text_of(v: &Value) -> String {
    v.to_string()
}

#[test]
fn every_provider_gets_the_history_in_its_own_format() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "read notes", "hasToolResult": false},
         "response": {"toolCalls": [{"name": "read", "arguments": {"path": "notes.txt"}}]}},
        {"match": {"userMessage": "read notes", "hasToolResult": true}, "response": {"content": "Notes read."}},
        {"match": {"userMessage": "now anthropic"}, "response": {"content": "From anthropic."}},
        {"match": {"userMessage": "now gemini"}, "response": {"content": "From gemini."}},
        {"match": {"userMessage": "now ollama"}, "response": {"content": "From ollama."}},
        {"match": {"userMessage": "now openrouter"}, "response": {"content": "From openrouter."}}
    ]));
    let wire = Wire::start(mock.port);
    let url = wire.url();
    let script = "read notes\n/provider anthropic\nnow anthropic\n/provider gemini\nnow gemini\n\
                  /provider ollama\nnow ollama\n/provider openrouter\nnow openrouter\n/provider\n";
    let w = wisp()
        .openai(&mock)
        .env("OPENAI_BASE_URL", &format!("{url}/v1"))
        .env("ANTHROPIC_BASE_URL", &url)
        .env("ANTHROPIC_API_KEY", "k")
        .env("GOOGLE_GEMINI_BASE_URL", &url)
        .env("GEMINI_API_KEY", "k")
        .env("OLLAMA_HOST", url.trim_start_matches("http://"))
        .env("OPENROUTER_BASE_URL", &format!("{url}/api/v1"))
        .env("OPENROUTER_API_KEY", "k")
        .file("notes.txt", "remember the blue door\n")
        .stdin(script);
    let run = w.run();
    run.success();
    for answer in [
        "Notes read.",
        "From anthropic.",
        "From gemini.",
        "From ollama.",
        "From openrouter.",
    ] {
        assert!(
            run.stdout.contains(answer),
            "{answer} missing:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    assert!(run.stdout.contains("provider: anthropic"), "{}", run.stdout);
    assert!(
        run.stdout.contains("* openrouter"),
        "listing marks the active one: {}",
        run.stdout
    );

    // Anthropic: tool_use in the assistant turn, tool_result with its id in the user turn.
    let a = &wire.bodies("/v1/messages")[0];
    let msgs = a["messages"].as_array().expect("messages");
    let use_block = msgs
        .iter()
        .flat_map(|m| m["content"].as_array().cloned().unwrap_or_default())
        .find(|b| b["type"] == "tool_use")
        .expect("tool_use sent to anthropic");
    assert_eq!(use_block["name"], "read");
    let result = msgs
        .iter()
        .flat_map(|m| m["content"].as_array().cloned().unwrap_or_default())
        .find(|b| b["type"] == "tool_result")
        .expect("tool_result sent to anthropic");
    assert_eq!(result["tool_use_id"], use_block["id"]);
    assert!(text_of(&result).contains("blue door"));

    // Gemini: functionCall and functionResponse parts, matched by name.
    let g = &wire.bodies("/v1beta/models/")[0];
    let parts: Vec<Value> = g["contents"]
        .as_array()
        .expect("contents")
        .iter()
        .flat_map(|c| c["parts"].as_array().cloned().unwrap_or_default())
        .collect();
    assert!(
        parts.iter().any(|p| p["functionCall"]["name"] == "read"),
        "{g}"
    );
    let resp = parts
        .iter()
        .find(|p| p["functionResponse"]["name"] == "read")
        .expect("functionResponse");
    assert!(text_of(resp).contains("blue door"));

    // Ollama: assistant tool_calls with object arguments, then a tool message.
    let o = &wire.bodies("/api/chat")[0];
    let msgs = o["messages"].as_array().expect("messages");
    let call = msgs
        .iter()
        .find(|m| m["tool_calls"].is_array())
        .expect("tool_calls");
    assert_eq!(call["tool_calls"][0]["function"]["name"], "read");
    assert!(call["tool_calls"][0]["function"]["arguments"].is_object());
    let tool = msgs
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("tool message");
    assert!(text_of(tool).contains("blue door"));

    // OpenRouter: Chat Completions with the attribution header and usage accounting.
    let reqs = wire.requests("/api/v1/chat/completions");
    assert_eq!(reqs[0].header("x-title"), Some("wisp"));
    let body = &reqs[0].body;
    assert_eq!(body["usage"]["include"], true);
    let msgs = body["messages"].as_array().expect("messages");
    assert!(msgs
        .iter()
        .any(|m| m["role"] == "tool" && text_of(m).contains("blue door")));
    // The history carries every earlier answer, whichever provider gave it.
    for earlier in [
        "Notes read.",
        "From anthropic.",
        "From gemini.",
        "From ollama.",
    ] {
        assert!(
            text_of(body).contains(earlier),
            "{earlier} missing from the OpenRouter request"
        );
    }
}

#[test]
fn model_list_comes_from_the_provider_with_prices() {
    let mock = Aimock::start(json!([]));
    let run = wisp()
        .openai(&mock)
        .env("OPENROUTER_BASE_URL", &format!("{}/api/v1", mock.url()))
        .env("OPENROUTER_API_KEY", "k")
        .args(&["--provider", "openrouter"])
        .stdin("/model\n")
        .run();
    run.success();
    assert!(
        !run.stdout.contains("could not list models"),
        "{}",
        run.stdout
    );
    // aimock's OpenRouter catalogue, with its published (zero) prices.
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("openai/gpt-4o"))
        .expect("listed");
    assert!(line.contains("$0.00 in / $0.00 out per Mtok"), "{line}");
}

#[test]
fn model_list_falls_back_offline() {
    // Nothing listens on this port: the list cannot be fetched.
    let run = wisp()
        .env("WISP_PROVIDER", "anthropic")
        .env("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
        .env("ANTHROPIC_API_KEY", "k")
        .stdin("/model\n")
        .run();
    run.success();
    assert!(
        run.stdout.contains("could not list models"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("claude-sonnet-4-5"), "{}", run.stdout);
}

#[test]
fn aliases_switch_provider_and_model() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "hello"}, "response": {"content": "Hi."}}
    ]));
    let wire = Wire::start(mock.port);
    let w = wisp()
        .openai(&mock)
        .env("ANTHROPIC_BASE_URL", &wire.url())
        .env("ANTHROPIC_API_KEY", "k")
        .config("[aliases.smart]\nprovider = \"anthropic\"\nmodel = \"claude-opus-4-1\"\n")
        .stdin("/model smart\nhello\n");
    let run = w.run();
    run.success();
    assert!(
        run.stdout
            .contains("provider: anthropic · model claude-opus-4-1"),
        "{}",
        run.stdout
    );
    assert_eq!(wire.bodies("/v1/messages")[0]["model"], "claude-opus-4-1");
}

#[test]
fn usage_and_cost_are_reported() {
    let mock = Aimock::start(json!([
        {"match": {"userMessage": "count"},
         "response": {"content": "Counted.", "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500}}}
    ]));
    let run = wisp()
        .openai(&mock)
        .env("WISP_MODEL", "gpt-4.1")
        .stdin("count\n/cost\n")
        .run();
    run.success();
    // gpt-4.1: $2 per Mtok in, $8 out: 0.002 + 0.004.
    assert!(
        run.stdout.contains("1,000 in · 500 out · $0.0060"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("session: 1,000 in · 500 out · $0.0060"),
        "{}",
        run.stdout
    );

    let json_run = wisp()
        .openai(&mock)
        .env("WISP_MODEL", "gpt-4.1")
        .args(&["-p", "--output-format", "json", "count"])
        .run();
    json_run.success();
    let v: Value = serde_json::from_str(&json_run.stdout).expect("json");
    assert_eq!(v["usage"]["input_tokens"], 1000);
    assert!(
        (v["cost_usd"].as_f64().unwrap_or(0.0) - 0.006).abs() < 1e-9,
        "{v}"
    );
}
