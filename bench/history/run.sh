#!/bin/sh
# Whether the executions table stays fast with months of history: fills a fresh database with 10
# million executions (90 days, 1,000 users, 5 tiers), then times every statement that reads the
# table in bulk (the API's list filters and search, the queue figures, the claim, the bookkeeper's
# scans) and keeps each plan. Figures: stdout; plans: agp-it/target/bench-history.txt.
#
#   bench/history/run.sh [extra Maven arguments], e.g. -Dagp.bench.rows=1000000
set -e
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
exec mvn -q -B -pl agp-it -am verify -Dspotless.check.skip=true \
  -Dtest=HistoryBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dagp.bench=true "$@"
