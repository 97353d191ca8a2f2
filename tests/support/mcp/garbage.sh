#!/bin/sh
# An MCP server that prints noise on stdout and never answers.
echo "Welcome! Server v1 starting up..."
cat > /dev/null
