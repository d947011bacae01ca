#!/bin/sh
# The answer time of create?wait of SELECT 1 through the API and a worker, and what 2,000 requests
# waiting at once cost PostgreSQL. Figures: stdout and agp-it/target/bench-wait.txt.
set -e
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
exec mvn -q -B -pl agp-it -am verify -Dspotless.check.skip=true \
  -Dtest=WaitBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dagp.bench=true "$@"
