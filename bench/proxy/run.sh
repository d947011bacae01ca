#!/bin/sh
# The ClickHouse proxy (/v1/chproxy/) against ClickHouse direct, side by side: the latency it adds
# to SELECT 1, and the throughput of a result of about 1 GB through it (curl into /dev/null).
# Figures: stdout and agp-api/target/bench-proxy.txt.
set -e
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
exec mvn -q -B -pl agp-api -am verify -Dspotless.check.skip=true \
  -Dtest=ProxyBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dagp.bench=true "$@"
