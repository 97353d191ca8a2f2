#!/bin/sh
# A "browser" for the sign-in tests: follows the authorization server's
# redirect back to wisp's loopback listener, as a user's browser would.
exec curl -s -L -o /dev/null "$1"
