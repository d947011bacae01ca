#!/bin/sh
# The soak at any length: API, two workers (two tiers) and bookkeeper as processes with the S3
# store, a steady mixed load, a fault every few minutes in turn, each process sampled as it goes.
# Usage: bench/soak/run.sh DURATION [maven arguments], DURATION as ISO-8601 (PT2H, PT30M; default
# PT2H). Samples and figures: stdout and agp-it/target/soak-figures.txt; the build's output:
# agp-it/target/soak-run.log.
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
duration="${1:-PT2H}"
[ $# -gt 0 ] && shift
mkdir -p agp-it/target
if ! mvn -q -B -pl agp-it -am verify -Dspotless.check.skip=true \
  -Dtest=SoakTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dagp.soak.duration="$duration" "$@" >agp-it/target/soak-run.log 2>&1; then
  grep -E 'ERROR|FAIL|expected|but was|NOT FLAT|SLOWER' agp-it/target/soak-run.log | head -60
  echo "soak failed; see agp-it/target/soak-run.log" >&2
  cat agp-it/target/soak-figures.txt 2>/dev/null
  exit 1
fi
cat agp-it/target/soak-figures.txt
