#!/usr/bin/env bash
# ClickBench's 43 queries on a generated hits table, each run against ClickHouse directly and
# through AGP's local mode (API, worker and bookkeeper in one JVM), alternating the two sides
# query by query and round by round: one unmeasured warm-up round, then ROUNDS measured ones.
# Prints a row per query (median direct ms, median AGP ms, their ratio, the result's bytes,
# whether both sides answered the same bytes, and from the execution's own timestamps the median
# time AGP took to pick it and to run it), then the median of the ratios against the target
# (≤ 1.3 ×, else "not met") and the sums of the medians.
#
#   bench/clickbench/run.sh [rounds=5] [extra Maven arguments, e.g. -o]
#
# Direct: curl's time_total of one POST of the SQL (plus "FORMAT TSV", as AGP's worker sends it)
# to ClickHouse's HTTP interface. AGP: curl's time_total of the create (POST
# /v1/async/executions?wait=30&format=TSV, text/plain) plus that of the result's download.
# Both come from curl's own clock, so neither side pays for starting a process. Every
# run's SQL starts with a comment naming the query and round, and has a query_id of its own, so
# that AGP neither collapses nor reuses one run onto another (no max_age: no reuse anyway).
#
# Needs clickhouse-server (started here on ports 18950-18952, data in a temporary folder), curl,
# Java 25 (JAVA_HOME, default Temurin 25) and agp-local's exec jar, built here if missing
# (AGP_LOCAL_JAR names another one). CLICKBENCH_ROWS sets the table's rows (default 1,000,000),
# CLICKBENCH_FORMAT the output format of both sides (default TSV; one of AGP's formats),
# CLICKBENCH_WARMUP the small executions of a batch of the warm-up (default 400; see below).
# Figures: stdout and bench/results/clickbench.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS="${1:-5}"
shift || true
ROWS="${CLICKBENCH_ROWS:-1000000}"
FORMAT="${CLICKBENCH_FORMAT:-TSV}"
WARMUP="${CLICKBENCH_WARMUP:-400}"
TARGET=1.3
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAR="${AGP_LOCAL_JAR:-agp-local/target/agp-local-0.1.0-SNAPSHOT-exec.jar}"
HERE=bench/clickbench
OUT=bench/results/clickbench.txt
CH=http://127.0.0.1:18950
AGP=http://127.0.0.1:18953
USER_HEADER="X-AGP-User: bench"
WORK=$(mktemp -d)
RUN_ID=$(date +%s)

if [[ ! -f "$JAR" ]]; then
  mvn -B -q -ntp package -pl agp-local -am -DskipTests -Dspotless.check.skip=true "$@"
fi

mkdir -p "$WORK/ch" "$WORK/out" bench/results
clickhouse-server --config-file=/etc/clickhouse-server/config.xml -- --path="$WORK/ch/" \
  --tmp_path="$WORK/ch/tmp/" --user_files_path="$WORK/ch/uf/" --format_schema_path="$WORK/ch/fs/" \
  --http_port=18950 --tcp_port=18951 --interserver_http_port=18952 \
  --logger.log="$WORK/ch/log" --logger.errorlog="$WORK/ch/err" >/dev/null 2>&1 &
CH_PID=$!
AGP_PID=
cleanup() {
  kill $AGP_PID "$CH_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 1 60); do curl -sf "$CH/ping" >/dev/null 2>&1 && break; sleep 0.5; done

# AGP starts (its embedded PostgreSQL too) while ClickHouse fills the table.
"$JAVA_HOME/bin/java" -jar "$JAR" --port=18953 --data="$WORK/agp" --clickhouse="$CH" \
  --logging.level.root=WARN >"$WORK/agp.log" 2>&1 &
AGP_PID=$!

ch() { curl -sf "$CH/" --data-binary "$@"; }
load_started=$(date +%s)
sed "s/FROM numbers(1000000)/FROM numbers($ROWS)/" "$HERE/generate.sql" >"$WORK/generate.sql"
(ch @"$HERE/create.sql" && ch @"$WORK/generate.sql" && ch 'OPTIMIZE TABLE hits FINAL' &&
  echo $(($(date +%s) - load_started)) >"$WORK/load_s") >/dev/null &
LOAD_PID=$!

for _ in $(seq 1 240); do
  curl -sf "$AGP/v1/async/executions?limit=1" -H "$USER_HEADER" -o /dev/null 2>/dev/null && break
  kill -0 "$AGP_PID" 2>/dev/null || { cat "$WORK/agp.log"; exit 1; }
  sleep 0.5
done
# A gateway serves from a warm JVM: the JIT's first minutes are not what is measured here. AGP
# first runs small executions of its own (create, wait, download, four clients at once) in batches
# of WARMUP, until a batch leaves the JIT compiling fewer than 1 % of the methods it has compiled
# (jstat), at most 12 batches; the methods compiled during the queries are printed with the figures.
jit_compiled() { "$JAVA_HOME/bin/jstat" -compiler "$AGP_PID" | awk 'NR == 2 { print $1 }'; }
warm_client() {
  local i id
  for i in $(seq "$1" 4 "$2"); do
    id=$(curl -sf -X POST -H 'Content-Type: text/plain' -H "$USER_HEADER" \
      "$AGP/v1/async/executions?wait=30&format=$FORMAT" --data-binary "SELECT $i, 'warm-up'" |
      sed -nE 's/^\{"id":([0-9]+).*/\1/p')
    curl -sfL -o /dev/null -H "$USER_HEADER" "$AGP/v1/async/executions/$id/result"
  done
}
WARM_RUNS=0
jit_before=$(jit_compiled)
for batch in $(seq 1 12); do
  clients=()
  for c in 1 2 3 4; do
    warm_client $((WARM_RUNS + c)) $((WARM_RUNS + WARMUP)) &
    clients+=($!)
  done
  wait "${clients[@]}"
  WARM_RUNS=$((WARM_RUNS + WARMUP))
  jit_now=$(jit_compiled)
  (((jit_now - jit_before) * 100 < jit_now)) && break
  jit_before=$jit_now
done
wait "$LOAD_PID" || { echo "creating or filling the hits table failed: $(cat "$WORK/ch/err")"; exit 1; }
LOAD_S=$(cat "$WORK/load_s")

json_field() { sed -nE "s/.*\"$1\":\"?([^\",}]*).*/\1/p"; }

# One run of query $1, round $2, on each side. Appends "query round side seconds" to
# $WORK/times and, for AGP, "query round create_s download_s execution-JSON" to
# $WORK/executions.
run_direct() {
  local q=$1 r=$2 sql=$WORK/q$1-r$2.sql
  local t
  t=$(curl -s -o "$WORK/out/d-$q-$r" -w '%{http_code} %{time_total}' \
    "$CH/?query_id=cb-$RUN_ID-d-$q-$r" --data-binary @"$sql.direct")
  [[ "${t%% *}" == 200 ]] || { echo "direct $q $r: HTTP ${t%% *}: $(head -c 300 "$WORK/out/d-$q-$r")" >"$WORK/err-$q"; return 1; }
  echo "$q $r direct ${t#* }" >>"$WORK/times"
}
run_agp() {
  local q=$1 r=$2 sql=$WORK/q$1-r$2.sql
  local created create_t id status download_t
  created=$(curl -s -w '\n%{time_total}' -X POST -H 'Content-Type: text/plain' -H "$USER_HEADER" \
    "$AGP/v1/async/executions?wait=30&format=$FORMAT&query_id=cb-$RUN_ID-a-$q-$r" --data-binary @"$sql")
  create_t=$(tail -1 <<<"$created")
  id=$(head -1 <<<"$created" | sed -nE 's/^\{"id":([0-9]+).*/\1/p')
  status=$(head -1 <<<"$created" | json_field status)
  if [[ "$status" != SUCCEEDED ]]; then
    echo "AGP $q $r: ${status:-no execution}: $(head -1 <<<"$created" | head -c 400)" >"$WORK/err-$q"
    return 1
  fi
  download_t=$(curl -sL -o "$WORK/out/a-$q-$r" -w '%{time_total}' -H "$USER_HEADER" \
    "$AGP/v1/async/executions/$id/result")
  echo "$q $r agp $(awk -v a="$create_t" -v b="$download_t" 'BEGIN { printf "%.6f", a + b }')" >>"$WORK/times"
  echo "$q $r $create_t $download_t $(head -1 <<<"$created")" >>"$WORK/executions"
}

mapfile -t QUERIES < <(grep -v '^--' "$HERE/queries.sql")
: >"$WORK/times"
: >"$WORK/executions"
: >"$WORK/medians"
JIT_WARM=$(jit_compiled)
bench_started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for q in $(seq 1 ${#QUERIES[@]}); do
  for r in $(seq 0 "$ROUNDS"); do
    printf '/* clickbench q%02d round %d run %s */ %s' "$q" "$r" "$RUN_ID" "${QUERIES[q - 1]}" >"$WORK/q$q-r$r.sql"
    printf '%s\nFORMAT %s' "$(cat "$WORK/q$q-r$r.sql")" "$FORMAT" >"$WORK/q$q-r$r.sql.direct"
    run_direct "$q" "$r" && run_agp "$q" "$r" || break
  done
done
BENCH_S=$(($(date +%s) - bench_started))
JIT_QUERIES=$(($(jit_compiled) - JIT_WARM))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# "query round pick_µs run_µs create_s download_s": created → picked and picked → completed from
# the execution's timestamps (the database's clock), the create's and the download's time_total.
# The timestamps' time of day is enough for differences of seconds (a day's turn is put back).
awk '
  function at(field, t) {
    if (!match($0, "\"" field "\":\"[^\"]*T[0-9:.]+")) return 0
    t = substr($0, RSTART, RLENGTH); sub(/.*T/, "", t); split(t, hms, ":")
    return hms[1] * 3600 + hms[2] * 60 + hms[3]
  }
  function since(a, b) { return b - a < 0 ? b - a + 86400 : b - a }
  { c = at("created_at"); p = at("picked_at"); d = at("completed_at")
    printf "%s %s %.0f %.0f %s %s\n", $1, $2, since(c, p) * 1e6, since(p, d) * 1e6, $3, $4 }
' "$WORK/executions" >"$WORK/steps"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Median over the measured rounds of query $1 of the awk expression $2 on its $WORK/steps lines.
step() { awk -v q="$1" '$1 == q && $2 > 0 { print '"$2"' }' "$WORK/steps" | median; }
# Whether AGP's bytes equal ClickHouse's, round by round; if not, whether ClickHouse's own
# answers differ from round to round (ties in an ORDER BY ... LIMIT, a GROUP BY without ORDER BY).
same_bytes() {
  local q=$1 r differ=0 direct_varies=0
  for r in $(seq 1 "$ROUNDS"); do
    cmp -s "$WORK/out/d-$q-$r" "$WORK/out/a-$q-$r" || differ=$((differ + 1))
    cmp -s "$WORK/out/d-$q-1" "$WORK/out/d-$q-$r" || direct_varies=1
  done
  if ((differ == 0)); then
    echo same
  elif ((direct_varies)); then
    echo "differs in $differ of $ROUNDS rounds; ClickHouse's own answer varies from round to round"
  else
    echo "DIFFERS in $differ of $ROUNDS rounds"
  fi
}

{
  echo "ClickBench, $ROWS rows, format $FORMAT, $ROUNDS rounds after a warm-up round, direct and through AGP"
  echo "alternating, AGP's JVM warmed up by $WARM_RUNS small executions first (until the JIT settled: $JIT_WARM"
  echo "methods compiled in all after the warm-up, $JIT_QUERIES more during the queries)"
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -srm), ClickHouse $(ch 'SELECT version()')"
  echo "table generated and loaded in $LOAD_S s, $(ch "SELECT formatReadableSize(sum(bytes)) FROM system.parts WHERE table = 'hits' AND active") on disk; queries ran for $BENCH_S s"
  echo "load average before the queries: $load_before; after: $load_after"
  echo
  echo "AGP's time, split (medians, ms): pick = created → picked, run = picked → completed (the"
  echo "database's clock), rest = the create's time_total less both, get = the result's download."
  echo "medians, ms:     direct      AGP   ratio    bytes   pick    run   rest    get  answers"
  for q in $(seq 1 ${#QUERIES[@]}); do
    if [[ -f "$WORK/err-$q" ]]; then
      printf 'q%02d  skipped: %s\n' "$q" "$(cat "$WORK/err-$q")"
      continue
    fi
    d=$(awk -v q="$q" '$1 == q && $2 > 0 && $3 == "direct" { print $4 * 1000 }' "$WORK/times" | median)
    a=$(awk -v q="$q" '$1 == q && $2 > 0 && $3 == "agp" { print $4 * 1000 }' "$WORK/times" | median)
    printf 'q%02d %22.1f %8.1f %7.2f %8d %6.1f %6.1f %6.1f %6.1f  %s\n' "$q" "$d" "$a" \
      "$(awk -v a="$a" -v d="$d" 'BEGIN { print a / d }')" "$(wc -c <"$WORK/out/d-$q-1")" \
      "$(step "$q" '$3 / 1000')" "$(step "$q" '$4 / 1000')" \
      "$(step "$q" '($5 * 1000000 - $3 - $4) / 1000')" "$(step "$q" '$6 * 1000')" "$(same_bytes "$q")"
    echo "$q $d $a" >>"$WORK/medians"
  done
  echo
  ran=$(wc -l <"$WORK/medians")
  ratio=$(awk '{ print $3 / $2 }' "$WORK/medians" | median)
  printf 'queries run: %d of %d\n' "$ran" "${#QUERIES[@]}"
  awk '{ d += $2; a += $3 } END { printf "sums of the medians: direct %.0f ms, AGP %.0f ms (%.2f ×), AGP - direct %.1f ms a query on average\n", d, a, a / d, (a - d) / NR }' "$WORK/medians"
  if awk -v r="$ratio" -v t="$TARGET" 'BEGIN { exit !(r <= t) }'; then
    printf 'median of the ratios AGP / direct: %.2f × (target ≤ %s ×: met)\n' "$ratio" "$TARGET"
  else
    printf 'median of the ratios AGP / direct: %.2f × (target ≤ %s ×: not met)\n' "$ratio" "$TARGET"
  fi
} | tee "$OUT"
