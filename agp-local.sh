#!/usr/bin/env bash
# Runs AGP on this machine: the API, a worker and the bookkeeper in one JVM, with an embedded
# PostgreSQL and a private clickhouse-server (see README.md, "The two commands").
#
#   ./agp-local.sh [--port=8888] [--data=DIR] [--clickhouse=URL] [--jwt] [--agp.some.property=value]
#   ./agp-local.sh token USER [--tier=a,b] [--admin] [--quota-key=K] [--ttl=12h] [--data=DIR]
#
# It finds a Java 25 whatever `java` is first on the PATH ($JAVA_HOME if it is one, else the JDKs
# under /usr/lib/jvm, else `java`), builds the local jar when it is missing or older than the
# sources, and runs it with the arguments given.
set -euo pipefail
cd "$(dirname "$0")"

JAR=agp-local/target/agp-local-0.1.0-SNAPSHOT-exec.jar

java_version() {
  "$1" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

find_java() {
  local candidate version
  for candidate in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/*/bin/java "$(command -v java || true)"; do
    if [[ -n "$candidate" && -x "$candidate" ]]; then
      version=$(java_version "$candidate")
      if [[ -n "$version" && "$version" -ge 25 ]]; then
        echo "$candidate"
        return 0
      fi
    fi
  done
  return 1
}

if ! JAVA=$(find_java); then
  echo "agp-local: no Java 25 found (JAVA_HOME, /usr/lib/jvm, PATH): install one, e.g. Temurin 25, or set JAVA_HOME to it" >&2
  exit 2
fi
JDK=$(dirname "$(dirname "$(readlink -f "$JAVA")")")

if [[ ! -f "$JAR" || -n "$(find agp-*/src agp-*/pom.xml pom.xml openapi -newer "$JAR" -type f -print -quit)" ]]; then
  if ! command -v mvn >/dev/null; then
    echo "agp-local: $JAR needs building and Maven (mvn) is not installed: apt-get install maven" >&2
    exit 2
  fi
  echo "agp-local: building $JAR (a minute or two the first time)..." >&2
  JAVA_HOME="$JDK" mvn -B -ntp -q -DskipTests package >&2
fi

exec "$JAVA" -jar "$JAR" "$@"
