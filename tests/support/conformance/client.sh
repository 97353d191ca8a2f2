#!/bin/sh
# The MCP client under test, as the conformance suite runs it: the suite
# appends the scenario server's URL. wisp is the client: it connects to that
# server from its mcp.json, and a mock model asks it to use the server's tools.
# stdin is the suite's open pipe; `wisp -p` would read it as context, so it
# gets /dev/null.
set -eu
url="$1"
mkdir -p "$XDG_CONFIG_HOME/wisp"
printf '{"mcpServers":{"conf":{"type":"http","url":"%s"}}}\n' "$url" > "$XDG_CONFIG_HOME/wisp/mcp.json"
exec "$WISP_BIN" -p --allow 'mcp__conf__*' "conformance $MCP_CONFORMANCE_SCENARIO" < /dev/null
