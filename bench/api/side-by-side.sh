#!/usr/bin/env bash
# Two builds of the API side by side: both up at once, each on a database of its own, and the same
# wrk run of the get by id (a PENDING execution of SELECT 1, as in run.sh) against each in turn,
# so that what else runs on the machine weighs on both alike. Prints, per round and side, the
# rate, the p99 and the API JVM's CPU per request (user + system over the run).
#
#   bench/api/side-by-side.sh BEFORE.jar AFTER.jar [rounds=8] [duration=10s] [connections=16]
#
# Copy the jars out of target/ first (a build while it runs would replace them). Ports 18891 and
# 18892, databases agp_ab_before and agp_ab_after on AGP_BENCH_PG (as in run.sh).
set -euo pipefail
BEFORE="$1"
AFTER="$2"
ROUNDS="${3:-8}"
DURATION="${4:-10s}"
CONNECTIONS="${5:-16}"
PG="${AGP_BENCH_PG:-postgresql://postgres@127.0.0.1:5432}"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
PG_HOST_PORT="${PG#postgresql://}"
PG_USER="${PG_HOST_PORT%%@*}"
PG_HOST_PORT="${PG_HOST_PORT#*@}"
declare -A JARS=([before]="$BEFORE" [after]="$AFTER") PORTS=([before]=18891 [after]=18892)
declare -A PIDS URLS
for side in before after; do
  psql -q "$PG/postgres" -c "drop database if exists agp_ab_$side" -c "create database agp_ab_$side"
  "$JAVA_HOME/bin/java" -jar "${JARS[$side]}" --server.port="${PORTS[$side]}" \
    --spring.datasource.url="jdbc:postgresql://$PG_HOST_PORT/agp_ab_$side" \
    --spring.datasource.username="$PG_USER" --spring.datasource.password= \
    --agp.api.link-secrets=a-link-secret-of-the-benchmark-32-bytes \
    --logging.level.root=WARN >/dev/null 2>&1 &
  PIDS[$side]=$!
done
trap 'kill ${PIDS[before]} ${PIDS[after]} 2>/dev/null || true' EXIT
for side in before after; do
  base="http://localhost:${PORTS[$side]}"
  for _ in $(seq 1 120); do
    curl -sf "$base/actuator/health/readiness" >/dev/null 2>&1 && break
    sleep 1
  done
  id=$(curl -sf -X POST "$base/v1/async/executions" -H 'Content-Type: text/plain' \
    -H 'X-AGP-User: bench' --data 'SELECT 1' | sed -E 's/^\{"id":([0-9]+).*/\1/')
  URLS[$side]="$base/v1/async/executions/$id"
  wrk -t2 -c"$CONNECTIONS" -d20s -H 'X-AGP-User: bench' "${URLS[$side]}" >/dev/null # warm-up
done
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))
echo "round side   req/s  p99  CPU µs per request"
for round in $(seq 1 "$ROUNDS"); do
  for side in before after; do
    b=$(cpu "${PIDS[$side]}")
    out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H 'X-AGP-User: bench' "${URLS[$side]}")
    a=$(cpu "${PIDS[$side]}")
    echo "$out" | awk -v r="$round" -v s="$side" -v ticks=$((a - b)) -v tick="$TICK_US" '
      /requests in/ { n = $1 } /Requests\/sec/ { rps = $2 } $1 == "99%" { p99 = $2 }
      END { printf "%5s %-6s %.0f %s %.0f\n", r, s, rps, p99, ticks * tick / n }'
  done
done
