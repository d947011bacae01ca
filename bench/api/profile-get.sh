#!/usr/bin/env bash
# A CPU profile of the get of an ended execution in the local mode, as local-side-by-side.sh drives
# it (wrk, 16 connections): the local mode started alone with a private ClickHouse, an execution of
# SELECT 1 run to SUCCEEDED, 25 s of warm-up, then 15 s profiled with async-profiler (CPU samples
# every 100 µs), written as a flame graph (OUT.html) and a summary (OUT.txt): the share of the
# samples under the frames that tell where a get goes (the statement, the JSON, the socket writes),
# and the folded stacks (OUT.folded) for any other question.
#
#   bench/api/profile-get.sh JAR OUT
#
# AGP_BENCH_AUTH=jwt profiles the JWT mode (a token of the user bench, rate limit off).
# async-profiler comes from Maven Central (tools.profiler:async-profiler:4.2, linux-x64 classifier);
# ASYNC_PROFILER may name another libasyncProfiler.so. Needs clickhouse-server, wrk, curl.
set -euo pipefail
JAR="$1"
OUT="$2"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
AUTH="${AGP_BENCH_AUTH:-none}"
WORK=$(mktemp -d)
PROFILER="${ASYNC_PROFILER:-}"
if [[ -z "$PROFILER" ]]; then
  mvn -B -q dependency:get -Dartifact=tools.profiler:async-profiler:4.2:jar:linux-x64 >/dev/null
  unzip -q -o ~/.m2/repository/tools/profiler/async-profiler/4.2/async-profiler-4.2-linux-x64.jar \
    'linux-x64/*' -d "$WORK/profiler"
  PROFILER="$WORK/profiler/linux-x64/libasyncProfiler.so"
fi

mkdir -p "$WORK/ch"
clickhouse-server --config-file=/etc/clickhouse-server/config.xml -- --path="$WORK/ch/" \
  --tmp_path="$WORK/ch/tmp/" --user_files_path="$WORK/ch/uf/" --format_schema_path="$WORK/ch/fs/" \
  --http_port=18930 --tcp_port=18931 --interserver_http_port=18932 \
  --logger.log="$WORK/ch/log" --logger.errorlog="$WORK/ch/err" >/dev/null 2>&1 &
CH=$!
extra=()
[[ "$AUTH" == jwt ]] && extra=(--jwt --agp.api.rate-limit.requests-per-second=0)
"$JAVA_HOME/bin/java" -jar "$JAR" --port=18895 --data="$WORK/data" \
  --clickhouse=http://127.0.0.1:18930 --logging.level.root=WARN "${extra[@]}" >"$WORK/log" 2>&1 &
APP=$!
trap 'kill $APP $CH 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
BASE=http://localhost:18895
for _ in $(seq 1 180); do
  curl -s -o /dev/null -w '%{http_code}' "$BASE/v1/async/executions" 2>/dev/null | grep -q '^[24]' && break
  sleep 1
done
HEADER="X-AGP-User: bench"
if [[ "$AUTH" == jwt ]]; then
  HEADER="Authorization: Bearer $("$JAVA_HOME/bin/java" -jar "$JAR" token bench --data="$WORK/data")"
fi
ID=$(curl -sf -X POST "$BASE/v1/async/executions?wait=30" -H 'Content-Type: text/plain' \
  -H "$HEADER" --data 'SELECT 1' | sed -E 's/^\{"id":([0-9]+).*/\1/')
URL="$BASE/v1/async/executions/$ID"
wrk -t2 -c16 -d25s -H "$HEADER" "$URL" | grep Requests/sec | sed 's/^/warm-up: /'
# jcmd reads a=b as a named argument of its own: the agent's options go in quotes of their own.
"$JAVA_HOME/bin/jcmd" "$APP" JVMTI.agent_load "$PROFILER" '"start,event=cpu,interval=100us"' >/dev/null
wrk -t2 -c16 -d15s -H "$HEADER" "$URL" | grep Requests/sec | sed 's/^/profiled: /'
"$JAVA_HOME/bin/jcmd" "$APP" JVMTI.agent_load "$PROFILER" "\"dump,file=$WORK/stacks,collapsed\"" >/dev/null
"$JAVA_HOME/bin/jcmd" "$APP" JVMTI.agent_load "$PROFILER" "\"stop,file=$(realpath -m "$OUT").html\"" >/dev/null
# Each line of the folded stacks: frames separated by ';', then the samples.
awk -v frames='Http11Processor.service ExecutionController.get VisibleExecutions.find SettledExecutions.answer QueryExecutorImpl.execute HikariPool.getConnection TaggedAnswers.of ObjectMapper.writeValueAsBytes ServerHttpObservationFilter.doFilterInternal FilterChainProxy.doFilter SocketDispatcher.write0 C2Compiler::compile_method' '
  BEGIN { n = split(frames, f, " ") }
  { samples = $NF; total += samples
    for (i = 1; i <= n; i++) if (index($0, f[i])) under[i] += samples }
  END { printf "%d samples (100 us of CPU each)\n", total
        for (i = 1; i <= n; i++) printf "%6.2f %%  %s\n", 100 * under[i] / total, f[i] }' \
  "$WORK/stacks" | tee "$OUT.txt"
cp "$WORK/stacks" "$OUT.folded"
ls -la "$OUT.html" "$OUT.txt"
