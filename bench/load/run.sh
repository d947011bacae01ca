#!/bin/sh
# The load test alone at full size: 10,000 client operations (quick, long, failing, collapsing and
# cancelled executions over two tiers and three workers, S3 result store) while clients poll.
# Figures: stdout and agp-it/target/load-figures.txt; the build's output: agp-it/target/load-run.log.
# Extra arguments go to Maven (e.g. -o).
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
: "${AGP_LOAD_EXECUTIONS:=10000}"
mkdir -p agp-it/target
if ! mvn -q -B -pl agp-it -am verify -Dspotless.check.skip=true \
  -Dtest=LoadTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dagp.load.executions="$AGP_LOAD_EXECUTIONS" "$@" >agp-it/target/load-run.log 2>&1; then
  grep -E 'ERROR|FAIL|expected|but was' agp-it/target/load-run.log | head -40
  echo "load test failed; see agp-it/target/load-run.log" >&2
  exit 1
fi
cat agp-it/target/load-figures.txt
