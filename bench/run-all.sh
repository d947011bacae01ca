#!/usr/bin/env bash
# Reruns every benchmark of the project and the reliability suite's figures, one after the other
# (they must not share the two cores with each other), and gathers their figures in one file.
#
#   bench/run-all.sh [extra Maven arguments, e.g. -o]
#
# Needs what each part needs: Java 25 (JAVA_HOME, default Temurin 25), Maven, clickhouse-server,
# wrk and psql with a local PostgreSQL for the API benchmark (see bench/README.md). Takes about
# 40 minutes on the 2-core development machine. Figures: stdout and bench/results/latest.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
mkdir -p bench/results
OUT=bench/results/latest.txt

section() {
  printf '\n== %s (%s)\n' "$1" "$(date -u +%Y-%m-%dT%H:%MZ)" | tee -a "$OUT"
}

{
  echo "AGP figures, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -srm)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT"

section "build (the API jar for wrk)"
mvn -B -q -ntp -DskipTests package "$@"

section "API: get by id and create, 16 connections (bench/api/run.sh 20s 16 3)"
bench/api/run.sh 20s 16 3 | tee -a "$OUT"
section "API: get by id and create, 32 connections, saturated (bench/api/run.sh 20s 32 3)"
bench/api/run.sh 20s 32 3 | tee -a "$OUT"

section "API: create?wait of SELECT 1 in the local mode, JWT, one client (bench/api/local-wait.sh)"
LOCAL_JAR=$(mktemp --suffix=.jar)
cp agp-local/target/agp-local-*-exec.jar "$LOCAL_JAR"
bench/api/local-wait.sh "$LOCAL_JAR" "" 100 5 | tee -a "$OUT"
rm -f "$LOCAL_JAR"

section "API: create?wait of SELECT 1, and 2,000 requests waiting at once (bench/api/wait.sh)"
bench/api/wait.sh "$@" >/dev/null
tee -a "$OUT" <agp-it/target/bench-wait.txt

section "ClickHouse proxy against ClickHouse direct: SELECT 1 latency, 1 GB throughput (bench/proxy/run.sh)"
bench/proxy/run.sh "$@" >/dev/null
tee -a "$OUT" <agp-api/target/bench-proxy.txt

section "ClickBench: 43 short queries against ClickHouse directly and through AGP's local mode (bench/clickbench/run.sh 5)"
bench/clickbench/run.sh 5 "$@" >/dev/null
tee -a "$OUT" <bench/results/clickbench.txt

section "usage: the operator's questions over 90 days of 10 million events (bench/usage/run.sh)"
bench/usage/run.sh "$@" >/dev/null
grep -v '^ ' agp-it/target/bench-usage.txt | tee -a "$OUT"

section "allow-lists: checking a query against its tier's lists (bench/policy/run.sh)"
bench/policy/run.sh "$@" | grep "policy check" | tee -a "$OUT"

section "scale: the cost per execution for 1 to 100 simulated workers (bench/scale/run.sh)"
bench/scale/run.sh "$@" >/dev/null
tee -a "$OUT" <agp-worker/target/bench-scale.txt

section "worker: claim latency, end-to-end, throughput (bench/worker/latency.sh)"
bench/worker/latency.sh "$@" >/dev/null
tee -a "$OUT" <agp-it/target/bench-latency.txt

section "worker: streaming 1 M and 10 M CSV rows against curl (bench/worker/streaming.sh)"
bench/worker/streaming.sh "$@" >/dev/null
tee -a "$OUT" <agp-worker/target/bench-streaming.txt

section "pages of rows: 100 rows of a 10 M-row CSV result at any offset, and the row index's cost (bench/rows/run.sh)"
bench/rows/run.sh "$@" >/dev/null
tee -a "$OUT" <agp-it/target/bench-rows.txt

section "worker: following the progress of 10 and 95 running executions (bench/worker/progress-cost.sh)"
bench/worker/progress-cost.sh "$@" >/dev/null
tee -a "$OUT" <agp-worker/target/bench-progress-cost.txt

section "load: 10,000 executions over two tiers (bench/load/run.sh)"
bench/load/run.sh "$@" | tee -a "$OUT"

section "faults: recovery times (mvn verify -pl agp-it -am -Dgroups=faults)"
rm -f agp-it/target/faults-figures.txt # the fault tests append to it
mvn -B -q -ntp -pl agp-it -am verify -Dspotless.check.skip=true -Dgroups=faults "$@" >/dev/null
tee -a "$OUT" <agp-it/target/faults-figures.txt

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"
echo "figures written to $OUT"
