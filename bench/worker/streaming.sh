#!/bin/sh
# Streaming 1 M and 10 M CSV rows (about 1 GB) through the worker into the local result store and
# into S3 (the test kit's server; -Dagp.bench.stores=local or s3 for one of them),
# against curl of the same query into a file, with the worker JVM's peak heap.
# Figures: stdout and agp-worker/target/bench-streaming.txt.
set -e
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
exec mvn -q -B -pl agp-worker -am verify -Dspotless.check.skip=true \
  -Dtest=StreamingBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dagp.bench=true "$@"
