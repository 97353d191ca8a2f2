#!/bin/sh
# An MCP server that reads requests and never answers initialize.
cat > /dev/null
