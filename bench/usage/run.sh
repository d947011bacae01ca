#!/bin/sh
# Whether usage answers stay fast over months of history: records 10 million usage events (90 days,
# 1,000 users, 5 tiers), folds them with the bookkeeper's statement (timed), then times the
# operator's questions over HTTP (every user's totals, top 10, one user, the tiers), median of 21
# each, bound 50 ms. Figures: stdout and agp-it/target/bench-usage.txt.
#
#   bench/usage/run.sh [extra Maven arguments], e.g. -o -Dagp.bench.rows=1000000
set -e
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
exec mvn -q -B -pl agp-it -am verify -Dspotless.check.skip=true \
  -Dtest=UsageBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dagp.bench=true "$@"
