#!/bin/sh
# A small MCP server for edge cases. Tools: `grow` answers, then announces a
# new tool `second` with notifications/tools/list_changed; `crash` exits mid-call.
# It answers initialize with the older revision 2025-06-18.
grown=0
while IFS= read -r line; do
  id=$(printf '%s' "$line" | sed -n 's/.*"id":\([0-9][0-9]*\).*/\1/p')
  case "$line" in
    *'"method":"initialize"'*)
      printf '{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{"listChanged":true}},"serverInfo":{"name":"scripted","version":"1"}}}\n' "$id" ;;
    *'"method":"tools/list"'*)
      tools='{"name":"grow","description":"adds a tool","inputSchema":{"type":"object"}},{"name":"crash","description":"exits mid-call","inputSchema":{"type":"object"}}'
      if [ "$grown" = 1 ]; then
        tools="$tools"',{"name":"second","description":"appears after grow","inputSchema":{"type":"object"}}'
      fi
      printf '{"jsonrpc":"2.0","id":%s,"result":{"tools":[%s]}}\n' "$id" "$tools" ;;
    *'"name":"grow"'*)
      grown=1
      printf '{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"grown"}]}}\n' "$id"
      printf '{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}\n' ;;
    *'"name":"crash"'*)
      exit 7 ;;
  esac
done
