#!/bin/sh
# Pages of 100 rows from a 10 M-row CSV result (uncompressed, zstd, gzip) at the start, middle,
# end and random offsets, against 20 ms at p50; then what the row index costs the worker (spacing
# 64 KB / 256 KB / 1 MB / none) in time and stored bytes. Figures: stdout and
# agp-it/target/bench-rows.txt. -Dagp.bench.rows=N, -Dagp.bench.pages=N, -Dagp.bench.rounds=N.
set -e
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
exec mvn -q -B -pl agp-it -am verify -Dspotless.check.skip=true \
  -Dtest=RowPagesBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dagp.bench=true "$@"
