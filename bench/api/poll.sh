#!/usr/bin/env bash
# What a poll of an execution costs: the get by id plain, with the ETag of the last answer in
# If-None-Match (answered 304), and with Accept-Encoding: gzip, with wrk, for a PENDING execution
# of SELECT 1 (the get of bench/api/run.sh) and an ended one of a dashboard-sized query (2 KB of
# SQL, so that gzip applies). Then the PostgreSQL statements per poll of the ended one, plain and
# 304, counted by the server (transactions committed and scans of the executions table in its
# statistics, over the whole run, so that the API's own background work shows as well).
#
#   bench/api/poll.sh [duration=10s] [connections=16] [rounds=3]
#
# AGP_BENCH_JAR: the API jar (default agp-api/target/agp-api-*-exec.jar): point it at another
# build to compare two versions side by side. AGP_BENCH_PG (default
# postgresql://postgres@127.0.0.1:5432, trust auth) and AGP_BENCH_DB (default agp_bench_poll,
# dropped and created afresh), AGP_BENCH_PORT (default 18889). Needs wrk, psql, Java 25.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-10s}"
CONNECTIONS="${2:-16}"
ROUNDS="${3:-3}"
PORT="${AGP_BENCH_PORT:-18889}"
PG="${AGP_BENCH_PG:-postgresql://postgres@127.0.0.1:5432}"
DB="${AGP_BENCH_DB:-agp_bench_poll}"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAR="${AGP_BENCH_JAR:-$(ls agp-api/target/agp-api-*-exec.jar)}"
LOG=$(mktemp)
BASE="http://localhost:$PORT"

psql -q "$PG/postgres" -c "drop database if exists $DB" -c "create database $DB"
PG_HOST_PORT="${PG#postgresql://}"
PG_USER="${PG_HOST_PORT%%@*}"
PG_HOST_PORT="${PG_HOST_PORT#*@}"

"$JAVA_HOME/bin/java" -jar "$JAR" --server.port="$PORT" \
  --spring.datasource.url="jdbc:postgresql://$PG_HOST_PORT/$DB" \
  --spring.datasource.username="$PG_USER" --spring.datasource.password= \
  --agp.api.link-secrets=a-link-secret-of-the-benchmark-32-bytes \
  --logging.level.root=WARN >"$LOG" 2>&1 &
API=$!
trap 'kill $API 2>/dev/null; wait $API 2>/dev/null || true; rm -f "$LOG" "$LOG.wrk"' EXIT

for _ in $(seq 1 120); do
  curl -sf "$BASE/actuator/health/readiness" >/dev/null 2>&1 && break
  sleep 1
done
curl -sf "$BASE/actuator/health/readiness" >/dev/null || { cat "$LOG"; exit 1; }

create() {
  curl -sf -X POST "$BASE/v1/async/executions" -H 'Content-Type: text/plain' -H 'X-AGP-User: bench' \
    --data-binary "$1" | sed -E 's/^\{"id":([0-9]+).*/\1/'
}
etag() { curl -sf -D - -o /dev/null -H 'X-AGP-User: bench' "$1" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p'; }

PENDING=$(create 'SELECT 1')
# A dashboard's query: a few joins and filters, about 2 KB with its comments.
DASHBOARD="SELECT toStartOfHour(t) AS hour, country, count() AS visits, uniq(user_id) AS users"
for i in $(seq 1 24); do
  DASHBOARD="$DASHBOARD, sumIf(amount, campaign_id = $i) AS campaign_$i -- revenue of campaign $i"$'\n'
done
DASHBOARD="$DASHBOARD FROM events WHERE t >= now() - INTERVAL 7 DAY GROUP BY hour, country"
ENDED=$(create "$DASHBOARD")
curl -sf -X POST -H 'X-AGP-User: bench' "$BASE/v1/async/executions/$ENDED/cancel" >/dev/null
PENDING_URL="$BASE/v1/async/executions/$PENDING"
ENDED_URL="$BASE/v1/async/executions/$ENDED"
PENDING_TAG=$(etag "$PENDING_URL")
ENDED_TAG=$(etag "$ENDED_URL")
echo "jar $JAR; PENDING $PENDING etag ${PENDING_TAG:-none}, ended $ENDED etag ${ENDED_TAG:-none}"
for url in "$PENDING_URL" "$ENDED_URL"; do
  printf '%s: %s bytes plain, %s gzip, %s with its ETag\n' "${url##*/}" \
    "$(curl -s -o /dev/null -w '%{size_download}' -H 'X-AGP-User: bench' "$url")" \
    "$(curl -s -o /dev/null -w '%{size_download}' -H 'X-AGP-User: bench' -H 'Accept-Encoding: gzip' "$url")" \
    "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -H 'X-AGP-User: bench' \
      -H "If-None-Match: $(etag "$url")" "$url")"
done

# The API JVM's CPU time so far (user + system), in clock ticks.
cpu() { awk '{ print $14 + $15 }' "/proc/$API/stat"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# One wrk run; prints "req/s p50_ms p99_ms cpu_us", the last the API's CPU per request: it moves
# less with the machine's load than the rate does.
measure() {
  local before after
  before=$(cpu)
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H 'X-AGP-User: bench' "$@" >"$LOG.wrk"
  after=$(cpu)
  awk -v ticks=$((after - before)) -v tick="$TICK_US" '
    /requests in/ { n = $1 }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; return v * 1000 }
    END { printf "%.0f %.1f %.1f %.0f\n", rps, ms(p50), ms(p99), ticks * tick / n }' "$LOG.wrk"
}

wrk -t2 -c"$CONNECTIONS" -d"${AGP_BENCH_WARMUP:-20s}" -H 'X-AGP-User: bench' "$PENDING_URL" >/dev/null # JIT warm-up
wrk -t2 -c"$CONNECTIONS" -d10s -H 'X-AGP-User: bench' -H "If-None-Match: $ENDED_TAG" \
  -H 'Accept-Encoding: gzip' "$ENDED_URL" >/dev/null
CASES=("pending" "pending 304" "pending gzip" "ended" "ended 304" "ended gzip")
declare -A FIGURES
echo "round  case          req/s  p50 ms  p99 ms  CPU µs per request"
for round in $(seq 1 "$ROUNDS"); do
  for case in "${CASES[@]}"; do
    case "$case" in
      "pending") ARGS=("$PENDING_URL") ;;
      "pending 304") ARGS=(-H "If-None-Match: $PENDING_TAG" "$PENDING_URL") ;;
      "pending gzip") ARGS=(-H 'Accept-Encoding: gzip' "$PENDING_URL") ;;
      "ended") ARGS=("$ENDED_URL") ;;
      "ended 304") ARGS=(-H "If-None-Match: $ENDED_TAG" "$ENDED_URL") ;;
      "ended gzip") ARGS=(-H 'Accept-Encoding: gzip' "$ENDED_URL") ;;
    esac
    FIGURE=$(measure "${ARGS[@]}")
    FIGURES[$case]+="$FIGURE"$'\n'
    printf "%5s  %-12s  %s\n" "$round" "$case" "$FIGURE"
  done
done
median() { sort -n | awk 'NF { v[++n] = $1 } END { print v[int((n + 1) / 2)] }'; }
for case in "${CASES[@]}"; do
  printf "median %-12s" "$case"
  for col in 1 2 3 4; do
    printf "  %s" "$(printf '%s' "${FIGURES[$case]}" | awk -v c=$col 'NF { print $c }' | median)"
  done
  echo
done

# Statements per poll, from the server's statistics: a backend reports them when it goes idle
# (at most every 10 s in PostgreSQL 15), hence the pause before each reading.
counters() {
  sleep 11
  psql -tA "$PG/$DB" -c "select d.xact_commit, t.seq_scan + coalesce(t.idx_scan, 0)
    from pg_stat_database d, pg_stat_user_tables t
    where d.datname = current_database() and t.relname = 'executions'"
}
for case in "ended" "ended 304"; do
  if [ "$case" = "ended" ]; then ARGS=("$ENDED_URL"); else ARGS=(-H "If-None-Match: $ENDED_TAG" "$ENDED_URL"); fi
  BEFORE=$(counters)
  REQUESTS=$(wrk -t2 -c"$CONNECTIONS" -d5s -H 'X-AGP-User: bench' "${ARGS[@]}" |
    awk '/requests in/ { print $1 }')
  AFTER=$(counters)
  echo "$case: $REQUESTS polls; per poll $(awk -v b="$BEFORE" -v a="$AFTER" -v n="$REQUESTS" 'BEGIN {
    split(b, x, "|"); split(a, y, "|");
    printf "%.4f transactions, %.4f scans of executions", (y[1] - x[1]) / n, (y[2] - x[2]) / n }')"
done
