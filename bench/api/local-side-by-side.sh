#!/usr/bin/env bash
# Two builds of the local mode (API, worker and bookkeeper in one JVM, embedded PostgreSQL, results
# in a folder) side by side, as a dashboard meets them: both up at once against one ClickHouse, an
# execution of SELECT 1 run to SUCCEEDED in each, and the same wrk run of its get against each in
# turn, so that the machine's load weighs on both alike. Prints, per round and side, the rate, p50,
# p99, the JVM's CPU per request (user + system over the run, all three apps) and the embedded
# PostgreSQL's, then the medians.
#
#   bench/api/local-side-by-side.sh BEFORE.jar AFTER.jar [rounds=6] [duration=12s] [connections=16]
#
# The jars are agp-local's exec jars (agp-local/target/agp-local-*-exec.jar), copied out of
# target/ first. Needs clickhouse-server (started here on ports 18920-18922), wrk, curl.
# AGP_BENCH_AUTH=jwt runs both in JWT mode (a token per side, rate limit off); none,jwt runs the
# first in none mode and the second in JWT mode (one jar twice: what JWT mode costs).
# AGP_BENCH_WRK_THREADS (default 2) is wrk's threads: on two cores, two of them take a core's worth
# of CPU from the server at saturation, and the time a response waits for wrk's own thread counts in
# its latency.
set -euo pipefail
BEFORE="$1"
AFTER="$2"
ROUNDS="${3:-6}"
DURATION="${4:-12s}"
CONNECTIONS="${5:-16}"
AUTH="${AGP_BENCH_AUTH:-none}"
declare -A AUTHS=([before]="${AUTH%%,*}" [after]="${AUTH##*,}")
THREADS="${AGP_BENCH_WRK_THREADS:-2}"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
WORK=$(mktemp -d)
declare -A JARS=([before]="$BEFORE" [after]="$AFTER") PORTS=([before]=18893 [after]=18894)
declare -A PIDS URLS HEADERS

mkdir -p "$WORK/ch"
clickhouse-server --config-file=/etc/clickhouse-server/config.xml -- --path="$WORK/ch/" \
  --tmp_path="$WORK/ch/tmp/" --user_files_path="$WORK/ch/uf/" --format_schema_path="$WORK/ch/fs/" \
  --http_port=18920 --tcp_port=18921 --interserver_http_port=18922 \
  --logger.log="$WORK/ch/log" --logger.errorlog="$WORK/ch/err" >/dev/null 2>&1 &
CH=$!
cleanup() {
  kill "${PIDS[before]:-}" "${PIDS[after]:-}" "$CH" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 1 60); do curl -sf http://127.0.0.1:18920/ping >/dev/null 2>&1 && break; sleep 0.5; done

for side in before after; do
  extra=()
  [[ "${AUTHS[$side]}" == jwt ]] && extra=(--jwt --agp.api.rate-limit.requests-per-second=0)
  "$JAVA_HOME/bin/java" -jar "${JARS[$side]}" --port="${PORTS[$side]}" --data="$WORK/$side" \
    --clickhouse=http://127.0.0.1:18920 --logging.level.root=WARN "${extra[@]}" \
    >"$WORK/$side.log" 2>&1 &
  PIDS[$side]=$!
done
for side in before after; do
  base="http://localhost:${PORTS[$side]}"
  for _ in $(seq 1 180); do
    curl -sf "$base/v1/async/executions?limit=1" -o /dev/null -w '%{http_code}' 2>/dev/null | grep -q '^[24]' && break
    sleep 1
  done
  HEADERS[$side]="X-AGP-User: bench"
  if [[ "${AUTHS[$side]}" == jwt ]]; then
    token=$("$JAVA_HOME/bin/java" -jar "${JARS[$side]}" token bench --data="$WORK/$side")
    HEADERS[$side]="Authorization: Bearer $token"
  fi
  id=$(curl -sf -X POST "$base/v1/async/executions?wait=30" -H 'Content-Type: text/plain' \
    -H "${HEADERS[$side]}" --data 'SELECT 1' | sed -E 's/^\{"id":([0-9]+).*/\1/')
  status=$(curl -sf -H "${HEADERS[$side]}" "$base/v1/async/executions/$id" | sed -E 's/.*"status":"([A-Z]+)".*/\1/')
  echo "$side: execution $id $status, $(curl -sf -H "${HEADERS[$side]}" "$base/v1/async/executions/$id" | wc -c) bytes"
  URLS[$side]="$base/v1/async/executions/$id"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d20s -H "${HEADERS[$side]}" "${URLS[$side]}" >/dev/null # warm-up
done

cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# The embedded PostgreSQL's processes (postmaster and its children), by the data folder in their
# command line: what the database spends per request, beside the JVM's own CPU.
pg_cpu() {
  local master children
  master=$(pgrep -f "postgres.*$WORK/$1" | head -1)
  children=$(pgrep -P "$master" | tr '\n' ' ')
  for pid in $master $children; do cat "/proc/$pid/stat" 2>/dev/null; done | awk '{ s += $14 + $15 } END { print s + 0 }'
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))
RESULTS="$WORK/results"
echo "round side    req/s   p50 ms  p99 ms  CPU µs/req (JVM, PostgreSQL)"
for round in $(seq 1 "$ROUNDS"); do
  for side in before after; do
    b=$(cpu "${PIDS[$side]}")
    pb=$(pg_cpu "$side")
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "${HEADERS[$side]}" "${URLS[$side]}")
    a=$(cpu "${PIDS[$side]}")
    pa=$(pg_cpu "$side")
    echo "$out" | awk -v r="$round" -v s="$side" -v ticks=$((a - b)) -v pgticks=$((pa - pb)) -v tick="$TICK_US" '
      function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; return v * 1000 }
      /requests in/ { n = $1 } /Requests\/sec/ { rps = $2 }
      $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
      /Non-2xx/ { bad = $NF }
      END { printf "%5s %-6s %7.0f %7.2f %7.2f %7.0f %7.0f%s\n", r, s, rps, p50, p99, ticks * tick / n, pgticks * tick / n, bad ? "  non-2xx " bad : "" }'
  done
done | tee "$RESULTS"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for side in before after; do
  printf "median %-6s" "$side"
  for col in 3 4 5 6 7; do
    printf " %7s" "$(awk -v s="$side" -v c="$col" '$2 == s { print $c }' "$RESULTS" | median)"
  done
  echo
done
