#!/bin/sh
# The MCP client under test, as the conformance suite runs it: the suite
# appends the scenario server's URL. wisp is the client: it connects to that
# server from its mcp.json, and a mock model asks it to use the server's tools.
# stdin is the suite's open pipe; `wisp -p` would read it as context, so it
# gets /dev/null.
set -eu
url="$1"
mkdir -p "$XDG_CONFIG_HOME/wisp"
# A scenario's pre-registered client (auth/pre-registration) goes in the
# server's "oauth" entry.
node -e '
const [url, file] = process.argv.slice(1);
const ctx = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT || "{}");
const entry = { type: "http", url };
if (ctx.client_id) entry.oauth = { clientId: ctx.client_id, clientSecret: ctx.client_secret };
require("fs").writeFileSync(file, JSON.stringify({ mcpServers: { conf: entry } }));
' "$url" "$XDG_CONFIG_HOME/wisp/mcp.json"
exec "$WISP_BIN" -p --allow 'mcp__conf__*' "conformance $MCP_CONFORMANCE_SCENARIO" < /dev/null
