#!/bin/sh
# What following the progress of 10 and 95 running executions in one worker costs: PostgreSQL
# transactions and updated rows, and ClickHouse queries, per second.
# Figures: stdout and agp-worker/target/bench-progress-cost.txt.
set -e
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
exec mvn -q -B -pl agp-worker -am verify -Dspotless.check.skip=true \
  -Dtest=ProgressCostBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dagp.bench=true \
  -Dagp.test.postgres.preload=pg_stat_statements "$@"
