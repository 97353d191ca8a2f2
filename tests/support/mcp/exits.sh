#!/bin/sh
# An MCP server that exits at once.
exit 3
