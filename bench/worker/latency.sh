#!/bin/sh
# Claim latency, end-to-end SELECT 1 and throughput through the API and one worker.
# Figures: stdout and agp-it/target/bench-latency.txt.
set -e
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
exec mvn -q -B -pl agp-it -am verify -Dspotless.check.skip=true \
  -Dtest=WorkerLatencyBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dagp.bench=true "$@"
