#!/bin/sh
# The cost per execution as the fleet of workers grows: 1, 10, 50 and 100 simulated workers (each
# with its own PostgreSQL pool and listener, as a process of its own would have) against a
# ClickHouse stand-in that answers at once, fed at 200, 1,000 and 3,000 creates/s. Reports
# PostgreSQL statements and transactions per execution, empty claims, pickup p50/p99, completed
# executions/s and PostgreSQL CPU. Figures: stdout and agp-worker/target/bench-scale.txt.
#
#   bench/scale/run.sh [extra Maven arguments], e.g. -Dagp.bench.workers=1,10 -Dagp.bench.rates=200
set -e
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
exec mvn -q -B -pl agp-worker -am verify -Dspotless.check.skip=true \
  -Dtest=ScaleBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dagp.bench=true \
  -Dagp.test.postgres.preload=pg_stat_statements -Dagp.test.postgres.max-connections=500 "$@"
