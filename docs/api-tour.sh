#!/usr/bin/env bash
# The API tour, as a script: each step prints its answer and checks the status it promises, and
# ids come from the answers, so that the tour cannot drift from the API. Run it against a running
# AGP (./agp-local.sh prints where it is): docs/api-tour.sh, or AGP=http://host:port
# docs/api-tour.sh; with JWT auth, TOKEN=... as well. Needs curl and jq.
set -euo pipefail
AGP=${AGP:-http://127.0.0.1:8888}
AUTH=()
if [[ -n "${TOKEN:-}" ]]; then AUTH=(-H "Authorization: Bearer $TOKEN"); fi
RUN=$(date +%s%N) # makes this run's query_ids its own
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# call STATUS CURL-ARGUMENTS...: sends the request, prints the answer, and stops the tour unless
# the status is STATUS. The answer's body stays in $WORK/body for jq.
call() {
  local expected=$1 status
  shift
  status=$(curl -s -o "$WORK/body" -w '%{http_code}' "${AUTH[@]}" "$@")
  echo "$ curl $* -> $status"
  head -c 600 "$WORK/body"
  echo
  if [[ "$status" != "$expected" ]]; then
    echo "the tour expected $expected here" >&2
    exit 1
  fi
}
field() { jq -r "$1" "$WORK/body"; }

# Create an execution (the body is the SQL) and wait up to 30 s for its end: 201, and a fast
# query is SUCCEEDED in this one round trip (the API is told of each change; it does not poll).
call 201 -X POST "$AGP/v1/async/executions?wait=30" -H 'Content-Type: text/plain' \
  --data 'SELECT number, number * 2 AS double FROM system.numbers LIMIT 10'
first=$(field .id)
[[ $(field .status) == SUCCEEDED ]]

# The same with JSON and more fields: query_id, a name for people, tier, format, labels, and
# max_age (a SUCCEEDED result of the same query at most that old is reused instead of running it
# again).
call 201 -X POST "$AGP/v1/async/executions" -H 'Content-Type: application/json' \
  --data '{"sql":"SELECT 1 AS one","query_id":"report-'"$RUN"'","name":"ads report '"$RUN"'",
           "tier":"default","format":"CSVWithNames","labels":{"team":"ads"},"max_age":600}'

# A list finds it by its name (as by its labels, status, tier, query_id or creation time).
call 200 "$AGP/v1/async/executions?name=ads%20report%20$RUN"
[[ $(field '.executions[0].query_id') == "report-$RUN" ]]

# A slow query (about 30 s), to show what happens while one runs.
SLOW='SELECT sleepEachRow(0.5), number FROM system.numbers LIMIT 60 SETTINGS max_block_size = 1'
call 201 -X POST "$AGP/v1/async/executions?query_id=slow-$RUN" -H 'Content-Type: text/plain' \
  --data "$SLOW"
slow=$(field .id)

# The same query again while it is in flight: 200, the same execution, "collapsed": true.
call 200 -X POST "$AGP/v1/async/executions?query_id=slow-$RUN" -H 'Content-Type: text/plain' \
  --data "$SLOW"
[[ $(field .id) == "$slow" && $(field .collapsed) == true ]]

# The same query_id with other SQL: 409, naming the execution in the way ("execution_id")...
call 409 -X POST "$AGP/v1/async/executions?query_id=slow-$RUN" -H 'Content-Type: text/plain' \
  --data "$SLOW -- another version"
[[ $(field .execution_id) == "$slow" ]]

# ...unless "replace": true, which cancels the one in flight and creates the new one at once.
call 201 -X POST "$AGP/v1/async/executions" -H 'Content-Type: application/json' \
  --data "$(jq -n --arg sql "$SLOW -- another version" --arg id "slow-$RUN" \
    '{sql: $sql, query_id: $id, replace: true}')"
replacing=$(field .id)
[[ $(field .replaced_execution_id) == "$slow" ]]

# Poll it; with wait=N (0-60 s) the answer comes as soon as its status or progress changes. A
# PENDING execution shows its place in the queue, a RUNNING one its progress.
call 200 "$AGP/v1/async/executions/$replacing?wait=5"

# Cancel it (its worker kills the ClickHouse query): 200, CANCELED; once more: 409, it has ended.
call 200 -X POST "$AGP/v1/async/executions/$replacing/cancel"
[[ $(field .status) == CANCELED ]]
call 409 -X POST "$AGP/v1/async/executions/$replacing/cancel"

# Follow an execution live: its state, each change, the end (text/event-stream). This one has
# ended, so the stream holds its final state and ends at once.
call 200 -N "$AGP/v1/async/executions/$first/events"

# List, newest first, with filters; "cursor" is the next page's (null on the last).
call 200 "$AGP/v1/async/executions?status=SUCCEEDED&status=CANCELED&tier=default&limit=2"
cursor=$(field .cursor)
call 200 "$AGP/v1/async/executions?limit=2&cursor=$cursor"

# Past executions of several query_ids at once: one list per item, in request order.
call 200 -X POST "$AGP/v1/async/search" -H 'Content-Type: application/json' \
  --data '[{"query_id":"slow-'"$RUN"'"},{"query_id":"report-'"$RUN"'","limit":10}]'

# Download the result, streamed, with its format's Content-Type and a file name; resume from byte
# 100 with Range (206).
call 200 "$AGP/v1/async/executions/$first/result"
call 206 -H 'Range: bytes=100-' "$AGP/v1/async/executions/$first/result"

# The first rows as JSON, whatever the format.
call 200 "$AGP/v1/async/executions/$first/result/preview?rows=3"

# A signed link that downloads the result without credentials until it expires.
call 200 -X POST "$AGP/v1/async/executions/$first/result-link"
link=$(field .url)
token=("${AUTH[@]}")
AUTH=()
call 200 "$link"
AUTH=("${token[@]}")

# The queues of every tier (admins only; 403 to others).
if [[ -z "${TOKEN:-}" ]]; then call 200 "$AGP/v1/async/queues"; fi

# A query at once, without a queue: the result in the answer (see "Interactive access").
call 200 -X POST "$AGP/v1/sync/run?format=JSONEachRow" -H 'Content-Type: text/plain' \
  --data 'SELECT 42 AS answer'

# ClickHouse's own HTTP interface through the gateway.
call 200 "$AGP/v1/chproxy/?query=SELECT%20version()"

# Usage per UTC day, tier and user: the caller's own (an admin's: everyone's, or the top N users
# by a figure), from rollups the bookkeeper folds every few seconds; CSV with format=csv.
call 200 "$AGP/v1/usage?group_by=user"
call 200 "$AGP/v1/usage?format=csv"

echo "the tour went as promised"
