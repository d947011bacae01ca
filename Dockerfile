# One image for the three apps; AGP_APP (api, worker or bookkeeper) picks the one to run.

FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
# Dependencies first, so that a code change does not download them again.
COPY pom.xml ./
COPY agp-embedded/pom.xml agp-embedded/
COPY agp-testkit/pom.xml agp-testkit/
COPY agp-common/pom.xml agp-common/
COPY agp-api/pom.xml agp-api/
COPY agp-worker/pom.xml agp-worker/
COPY agp-bookkeeper/pom.xml agp-bookkeeper/
COPY agp-local/pom.xml agp-local/
COPY agp-client/pom.xml agp-client/
COPY agp-cli/pom.xml agp-cli/
COPY agp-it/pom.xml agp-it/
RUN mvn -B -ntp -q -pl agp-api,agp-worker,agp-bookkeeper -am dependency:go-offline || true
COPY . .
RUN mvn -B -ntp -q -DskipTests -Dspotless.check.skip=true -pl agp-api,agp-worker,agp-bookkeeper -am package \
 && mkdir /out \
 && cp agp-api/target/agp-api-*-exec.jar /out/agp-api.jar \
 && cp agp-worker/target/agp-worker-*-exec.jar /out/agp-worker.jar \
 && cp agp-bookkeeper/target/agp-bookkeeper-*-exec.jar /out/agp-bookkeeper.jar

FROM eclipse-temurin:25-jre
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app agp
WORKDIR /app
COPY --from=build /out/ /app/
USER 10001
ENV AGP_APP=api \
    SERVER_PORT=8888 \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8888
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS "http://localhost:${SERVER_PORT}/actuator/health/liveness" || exit 1
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/agp-$AGP_APP.jar \"$@\"", "agp"]
