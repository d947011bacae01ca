#!/usr/bin/env bash
# Measures the API's get-by-id and create throughput and latency with wrk: the API server alone
# (no worker, so created executions stay PENDING and use no CPU) against a local PostgreSQL, and
# the load generator, side by side on this machine.
#
#   bench/api/run.sh [duration=20s] [connections=32] [rounds=3]
#
# PostgreSQL: AGP_BENCH_PG (default postgresql://postgres@127.0.0.1:5432, the machine's own server
# with trust auth); the script creates a fresh database agp_bench in it. Needs wrk
# (apt-get install -y wrk), psql, Java 25 and the built API jar (mvn -B -q -DskipTests package).
# Each round measures get then create, each after a warm-up; the figures of every round are
# printed, then the medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-20s}"
CONNECTIONS="${2:-32}"
ROUNDS="${3:-3}"
PORT="${AGP_BENCH_PORT:-18888}"
PG="${AGP_BENCH_PG:-postgresql://postgres@127.0.0.1:5432}"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAR=$(ls agp-api/target/agp-api-*-exec.jar)
LOG=$(mktemp)
BASE="http://localhost:$PORT"

psql -q "$PG/postgres" -c "drop database if exists agp_bench" -c "create database agp_bench"
PG_HOST_PORT="${PG#postgresql://}"
PG_USER="${PG_HOST_PORT%%@*}"
PG_HOST_PORT="${PG_HOST_PORT#*@}"

"$JAVA_HOME/bin/java" -jar "$JAR" --server.port="$PORT" \
  --spring.datasource.url="jdbc:postgresql://$PG_HOST_PORT/agp_bench" \
  --spring.datasource.username="$PG_USER" --spring.datasource.password= \
  --agp.api.link-secrets=a-link-secret-of-the-benchmark-32-bytes \
  --logging.level.root=WARN >"$LOG" 2>&1 &
API=$!
trap 'kill $API 2>/dev/null; wait $API 2>/dev/null || true; rm -f "$LOG"' EXIT

for _ in $(seq 1 120); do
  curl -sf "$BASE/actuator/health/readiness" >/dev/null 2>&1 && break
  sleep 1
done
curl -sf "$BASE/actuator/health/readiness" >/dev/null || { cat "$LOG"; exit 1; }

ID=$(curl -sf -X POST "$BASE/v1/async/executions" -H 'Content-Type: text/plain' \
  --data 'SELECT 1' | sed -E 's/^\{"id":([0-9]+).*/\1/')

# One wrk run; prints "req/s p50_ms p99_ms".
measure() {
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" | awk '
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; return v * 1000 }
    END { printf "%.0f %.1f %.1f\n", rps, ms(p50), ms(p99) }'
}

GETS=()
CREATES=()
wrk -t2 -c"$CONNECTIONS" -d20s "$BASE/v1/async/executions/$ID" >/dev/null # JIT warm-up
wrk -t2 -c"$CONNECTIONS" -d20s -s bench/api/create.lua "$BASE" >/dev/null
echo "round  get req/s  p50 ms  p99 ms  |  create req/s  p50 ms  p99 ms"
for round in $(seq 1 "$ROUNDS"); do
  GET=$(measure "$BASE/v1/async/executions/$ID")
  CREATE=$(measure -s bench/api/create.lua "$BASE")
  GETS+=("$GET")
  CREATES+=("$CREATE")
  printf "%5s  %s  |  %s\n" "$round" "$GET" "$CREATE"
done

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
column() { printf '%s\n' "$@" | awk -v c="$COL" '{ print $c }'; }
printf "median "
for set in GETS CREATES; do
  eval "values=(\"\${$set[@]}\")"
  for COL in 1 2 3; do printf " %s" "$(column "${values[@]}" | median)"; done
  printf "  |"
done
echo
echo "executions in the database: $(psql -tA "$PG/agp_bench" -c 'select count(*) from executions')"
