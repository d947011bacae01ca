#!/usr/bin/env bash
# Measures the API's create and get-by-id throughput and latency with wrk, the server (local
# mode: API, worker and bookkeeper in one JVM with an embedded PostgreSQL and a private
# ClickHouse) and the load generator side by side on this machine.
#
#   bench/api/run.sh [duration=20s] [connections=32]
#
# Needs wrk (apt-get install -y wrk), Java 25 and the built local-mode jar
# (mvn -B -q -DskipTests package).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-20s}"
CONNECTIONS="${2:-32}"
PORT="${AGP_BENCH_PORT:-18888}"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAR=$(ls agp-local/target/agp-local-*-exec.jar)
DATA=$(mktemp -d)
BASE="http://localhost:$PORT"

"$JAVA_HOME/bin/java" -jar "$JAR" --port="$PORT" --data="$DATA" \
  --logging.level.root=WARN >"$DATA/agp.log" 2>&1 &
AGP=$!
trap 'kill $AGP 2>/dev/null; wait $AGP 2>/dev/null; rm -rf "$DATA"' EXIT

for _ in $(seq 1 120); do
  curl -sf "$BASE/actuator/health/readiness" >/dev/null 2>&1 && break
  sleep 1
done
curl -sf "$BASE/actuator/health/readiness" >/dev/null

ID=$(curl -sf -X POST "$BASE/v1/async/executions?wait=10" -H 'Content-Type: text/plain' \
  --data 'SELECT 1' | sed -E 's/^\{"id":([0-9]+).*/\1/')

# Get first: the creates leave thousands of executions that the worker then runs on the same cores.
wrk -t2 -c"$CONNECTIONS" -d5s "$BASE/v1/async/executions/$ID" >/dev/null # warm-up
echo "== get by id (GET /v1/async/executions/$ID)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$BASE/v1/async/executions/$ID"
wrk -t2 -c"$CONNECTIONS" -d5s -s bench/api/create.lua "$BASE" >/dev/null # warm-up
echo "== create (POST /v1/async/executions, a new execution per request)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/api/create.lua "$BASE"
