#!/bin/bash
# Test hook script: appends one line per run to events.tsv next to this file (tests copy it into
# a temp dir): $1, $2, $3 and RTMP_STREAM_KEY, tab separated. $3 is compact JSON (no tab, no
# newline) and the server strips tabs and newlines from stream names, so one line is one run.
# The arguments are only ever printed: if the server ran hooks through a shell, a stream key such
# as `a;touch${IFS}x` would already have run before this script starts.
set -u
printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${RTMP_STREAM_KEY-}" >> "$(dirname "$0")/events.tsv"
