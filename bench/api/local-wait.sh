#!/usr/bin/env bash
# The short query end to end in the local mode (API, worker and bookkeeper in one JVM, embedded
# PostgreSQL, results in a folder), as one client sees it: `POST /v1/async/executions?wait=10` of
# SELECT 1, one after the other, timed by curl from the request to the answer (which must say
# SUCCEEDED). Prints p50 / p99 / max for each jar given, the jars' runs alternating round by round.
#
#   bench/api/local-wait.sh JAR [JAR2] [creates per round=100] [rounds=5]
#
# The jars are agp-local's exec jars (agp-local/target/agp-local-*-exec.jar), copied out of
# target/ first. JWT mode (a token per side, rate limit off), as a shared deployment runs. Needs
# clickhouse-server (started here on ports 18940-18942) and curl.
set -euo pipefail
JAR1="$1"
JAR2="${2:-}"
CREATES="${3:-100}"
ROUNDS="${4:-5}"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
WORK=$(mktemp -d)
declare -A JARS=([one]="$JAR1") PORTS=([one]=18897 [two]=18898) PIDS TOKENS
SIDES=(one)
if [[ -n "$JAR2" ]]; then
  JARS[two]="$JAR2"
  SIDES=(one two)
fi

mkdir -p "$WORK/ch"
clickhouse-server --config-file=/etc/clickhouse-server/config.xml -- --path="$WORK/ch/" \
  --tmp_path="$WORK/ch/tmp/" --user_files_path="$WORK/ch/uf/" --format_schema_path="$WORK/ch/fs/" \
  --http_port=18940 --tcp_port=18941 --interserver_http_port=18942 \
  --logger.log="$WORK/ch/log" --logger.errorlog="$WORK/ch/err" >/dev/null 2>&1 &
CH=$!
cleanup() {
  kill "${PIDS[one]:-}" "${PIDS[two]:-}" "$CH" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 1 60); do curl -sf http://127.0.0.1:18940/ping >/dev/null 2>&1 && break; sleep 0.5; done

for side in "${SIDES[@]}"; do
  "$JAVA_HOME/bin/java" -jar "${JARS[$side]}" --port="${PORTS[$side]}" --data="$WORK/$side" \
    --clickhouse=http://127.0.0.1:18940 --logging.level.root=WARN --jwt \
    --agp.api.rate-limit.requests-per-second=0 >"$WORK/$side.log" 2>&1 &
  PIDS[$side]=$!
done

# Creates one after the other; prints the seconds of each, stops at an answer that is not SUCCEEDED.
creates() {
  local side=$1 count=$2 tag=$3
  for i in $(seq 1 "$count"); do
    curl -s -o "$WORK/answer" -w '%{time_total}\n' -X POST \
      "http://localhost:${PORTS[$side]}/v1/async/executions?wait=10" \
      -H "Authorization: Bearer ${TOKENS[$side]}" -H 'Content-Type: text/plain' \
      --data "SELECT 1 AS ${tag}_$i"
    grep -q '"status":"SUCCEEDED"' "$WORK/answer" || { echo "not SUCCEEDED: $(cat "$WORK/answer")" >&2; exit 1; }
  done
}

for side in "${SIDES[@]}"; do
  for _ in $(seq 1 180); do
    curl -s -o /dev/null -w '%{http_code}' "http://localhost:${PORTS[$side]}/v1/async/executions" 2>/dev/null | grep -q '^[24]' && break
    sleep 1
  done
  TOKENS[$side]=$("$JAVA_HOME/bin/java" -jar "${JARS[$side]}" token bench --data="$WORK/$side")
  creates "$side" 300 warm >/dev/null # the JIT's warm-up
done

pct() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; printf "%.1f", v[i] * 1000 }'; }
echo "round side  p50 ms  p99 ms  max ms   ($CREATES create?wait=10 of SELECT 1 each, one client, JWT)"
for round in $(seq 1 "$ROUNDS"); do
  for side in "${SIDES[@]}"; do
    creates "$side" "$CREATES" "r${round}" >"$WORK/times-$side-$round"
    cat "$WORK/times-$side-$round" >>"$WORK/times-$side"
    printf "%5s %-4s %7s %7s %7s\n" "$round" "$side" "$(pct 50 <"$WORK/times-$side-$round")" \
      "$(pct 99 <"$WORK/times-$side-$round")" "$(pct 100 <"$WORK/times-$side-$round")"
  done
done
for side in "${SIDES[@]}"; do
  printf "all   %-4s %7s %7s %7s  (%s)\n" "$side" "$(pct 50 <"$WORK/times-$side")" \
    "$(pct 99 <"$WORK/times-$side")" "$(pct 100 <"$WORK/times-$side")" "${JARS[$side]}"
done
