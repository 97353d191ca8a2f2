#!/bin/sh
# An MCP server that misbehaves after a clean handshake (tests/faults.rs).
# Tools: `huge` answers with a 9 MiB line whose id comes last (as the
# TypeScript SDK orders it); `flood` prints 20 MB of junk lines, then answers;
# `garbage` prints invalid UTF-8 and half a JSON object, then answers.
while IFS= read -r line; do
  id=$(printf '%s' "$line" | sed -n 's/.*"id":\([0-9][0-9]*\).*/\1/p')
  case "$line" in
    *'"method":"initialize"'*)
      printf '{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"hostile","version":"1"}}}\n' "$id" ;;
    *'"method":"tools/list"'*)
      printf '{"jsonrpc":"2.0","id":%s,"result":{"tools":[{"name":"huge","inputSchema":{"type":"object"}},{"name":"flood","inputSchema":{"type":"object"}},{"name":"garbage","inputSchema":{"type":"object"}}]}}\n' "$id" ;;
    *'"name":"huge"'*)
      printf '{"jsonrpc":"2.0","result":{"content":[{"type":"text","text":"'
      head -c 9437184 /dev/zero | tr '\0' x
      printf '"}]},"id":%s}\n' "$id" ;;
    *'"name":"flood"'*)
      yes 'junk junk junk junk junk junk junk junk junk junk junk junk junk junk junk' | head -c 20000000
      echo
      printf '{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"survived the flood"}]}}\n' "$id" ;;
    *'"name":"garbage"'*)
      printf '\377\376 not json \342\202\n{"jsonrpc":"2.0","id":\n'
      printf '{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"after the garbage"}]}}\n' "$id" ;;
  esac
done
