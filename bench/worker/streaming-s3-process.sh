#!/bin/sh
# Streaming into S3 with the S3 server in a process of its own (the test kit's S3Proxy in a JVM
# beside the worker's, its objects as files in a temporary folder; S3_MEMORY=1 keeps them in its
# heap instead), so that the figure measures the worker rather than a server sharing its heap and
# collector: bench/worker/streaming.sh for the S3 store only, against it. Arguments go to
# streaming.sh (e.g. -Dagp.bench.rounds=3).
set -e
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
out=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$out"' EXIT
mvn -q -B -o -pl agp-testkit -am package -DskipTests -Dspotless.check.skip=true
mvn -q -B -pl agp-testkit dependency:build-classpath -Dmdep.outputFile="$out/cp" >/dev/null
objects="$out/objects"
mkdir "$objects"
[ -z "${S3_MEMORY:-}" ] || objects=
# shellcheck disable=SC2086 # no folder at all when in memory
"$JAVA_HOME/bin/java" -Xmx6g -cp "agp-testkit/target/classes:$(cat "$out/cp")" \
  io.agp.testkit.S3ServerProcess $objects >"$out/server" 2>"$out/server.log" &
server=$!
for _ in $(seq 1 120); do
  grep -q '^secret-key ' "$out/server" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$out/server.log" >&2; exit 1; }
  sleep 0.5
done
endpoint=$(sed -n 's/^endpoint //p' "$out/server")
access=$(sed -n 's/^access-key //p' "$out/server")
secret=$(sed -n 's/^secret-key //p' "$out/server")
echo "S3 server (pid $server) at $endpoint"
bench/worker/streaming.sh -Dagp.bench.stores=s3 -Dagp.test.s3.endpoint="$endpoint" \
  -Dagp.test.s3.access-key="$access" -Dagp.test.s3.secret-key="$secret" "$@"
