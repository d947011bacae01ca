#!/usr/bin/env bash
# What checking a query against a tier's allow-lists costs (QueryPolicyBenchmark): a dashboard's
# query, 20 KB and 1 MB. Figures on stdout; a missed bound fails the run.
#
#   bench/policy/run.sh [-o]
set -e
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
exec mvn -q -B -pl agp-common -am verify -Dspotless.check.skip=true \
  -Dtest=QueryPolicyBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dagp.bench=true "$@"
