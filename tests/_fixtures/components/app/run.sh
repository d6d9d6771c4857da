#!/bin/sh
# A component: notes when it started (ns since the epoch) and its arguments, then waits.
echo "start $(date +%s%N) $*"
echo "to stderr" >&2
trap 'echo "got TERM"; exit 0' TERM
while :; do sleep 1; done
