package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agp.deploy.DeployedApps;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The end-to-end cases against the servers people run today, where a machine has a Docker engine:
 * ClickHouse 24.8 and 25.8 (LTS releases) and MinIO, in containers (Testcontainers), under the
 * three apps. The API tour runs as written; an error ClickHouse reports after its first rows (which
 * these versions write in their own ways) fails the execution instead of storing a cut result;
 * query parameters, which 18.16 lacks, reach the query; the ClickHouse proxy passes the formats
 * 18.16 lacks (Parquet, Arrow, JSONCompactEachRow) byte for byte; a sync run streams progress.
 *
 * <p>Then the suite's end-to-end classes run unchanged against each ClickHouse and MinIO ({@link
 * ExternalServersSuite}).
 *
 * <p>Tagged {@code docker}: {@code -Dgroups=docker} runs them; without a Docker engine they are
 * skipped with a message saying so (the machines of this project's CI have none).
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModernServersTest {

  private static final String MINIO_USER = "agp";
  private static final String MINIO_PASSWORD = "agp-secret";

  private GenericContainer<?> minio;
  private final HttpClient http = HttpClient.newHttpClient();

  /** Skips the test with a message where no Docker engine runs; starts MinIO once otherwise. */
  private void requireDockerAndMinio() {
    assumeTrue(
        DockerClientFactory.instance().isDockerAvailable(),
        "no Docker engine here: the tests against ClickHouse 24.8 and 25.8 and MinIO (tag docker)"
            + " need one");
    if (minio != null) {
      return;
    }
    minio =
        new GenericContainer<>(DockerImageName.parse("minio/minio:latest"))
            .withCommand("server", "/data")
            .withEnv("MINIO_ROOT_USER", MINIO_USER)
            .withEnv("MINIO_ROOT_PASSWORD", MINIO_PASSWORD)
            .withExposedPorts(9000)
            .waitingFor(Wait.forHttp("/minio/health/ready").forPort(9000));
    minio.start();
    try (S3Client s3 =
        S3Client.builder()
            .httpClientBuilder(Apache5HttpClient.builder())
            .endpointOverride(minioUrl())
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(MINIO_USER, MINIO_PASSWORD)))
            .build()) {
      s3.createBucket(b -> b.bucket("agp-results"));
    }
  }

  @AfterAll
  void stopMinio() {
    if (minio != null) {
      minio.stop();
    }
  }

  private URI minioUrl() {
    return URI.create("http://" + minio.getHost() + ":" + minio.getMappedPort(9000));
  }

  @ParameterizedTest
  @ValueSource(strings = {"clickhouse/clickhouse-server:24.8", "clickhouse/clickhouse-server:25.8"})
  void theEndToEndCasesHoldOnACurrentClickHouse(String image) throws Exception {
    requireDockerAndMinio();
    try (GenericContainer<?> clickhouse =
        clickhouse(image)
            .withEnv("CLICKHOUSE_USER", "agp")
            .withEnv("CLICKHOUSE_PASSWORD", "agp")
            .withEnv("CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT", "1")) {
      clickhouse.start();
      String url = httpUrl(clickhouse);
      try (AgpStack stack =
          AgpStack.start(
              Map.of(
                  "agp.tiers.default.clickhouse.url",
                  url,
                  "agp.tiers.default.clickhouse.user",
                  "agp",
                  "agp.tiers.default.clickhouse.password",
                  "agp",
                  "agp.results.location",
                  "s3://agp-results/",
                  "agp.results.s3.endpoint",
                  minioUrl().toString(),
                  "agp.results.s3.path-style",
                  "true",
                  "agp.results.s3.access-key",
                  MINIO_USER,
                  "agp.results.s3.secret-key",
                  MINIO_PASSWORD))) {
        ApiClient client = new ApiClient(stack::apiUrl);

        DeployedApps.runTour(stack.apiUrl(""), null);

        for (String format : List.of("CSV", "JSON", "JSONEachRow")) {
          ApiClient.Reply late =
              client.postJson(
                  "/v1/async/executions?wait=60",
                  "{\"sql\": \"SELECT throwIf(number = 100000) AS x FROM system.numbers LIMIT"
                      + " 200000\", \"format\": \"%s\"}".formatted(format));
          assertThat(late.json().get("status").asString()).as(format).isEqualTo("FAILED");
          assertThat(late.json().has("result")).as("no result stored in " + format).isFalse();
        }

        ApiClient.Reply parameters =
            client.postJson(
                "/v1/async/executions?wait=60",
                "{\"sql\": \"SELECT {x:UInt8} * 2 AS y\", \"format\": \"CSV\","
                    + " \"parameters\": {\"x\": \"21\"}}");
        assertThat(parameters.json().get("status").asString()).isEqualTo("SUCCEEDED");
        long id = parameters.json().get("id").asLong();
        assertThat(client.get("/v1/async/executions/" + id + "/result").text()).isEqualTo("42\n");

        String sql = "SELECT number, toString(number) AS s FROM system.numbers LIMIT 1000";
        for (String format : List.of("Parquet", "Arrow", "JSONCompactEachRow", "Native")) {
          String query =
              "?default_format="
                  + format
                  + "&query="
                  + URLEncoder.encode(sql, StandardCharsets.UTF_8);
          byte[] direct = get(URI.create(url + "/" + query + "&user=agp&password=agp"));
          byte[] proxied = get(stack.apiUrl("/v1/chproxy/" + query));
          assertThat(proxied).as(format).isEqualTo(direct);
        }

        HttpResponse<String> events =
            http.send(
                HttpRequest.newBuilder(stack.apiUrl("/v1/sync/run?stream=true"))
                    .header("Content-Type", "text/plain")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "SELECT sleepEachRow(0.1), number FROM system.numbers LIMIT 30"
                                + " SETTINGS max_block_size = 1"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(events.body()).contains("event: progress", "event: result");
      }
    }
  }

  /**
   * The end-to-end test classes of the suite, unchanged, in a JVM whose test kit points at this
   * ClickHouse and MinIO instead of its own servers ({@link ExternalServersSuite}).
   */
  @ParameterizedTest
  @ValueSource(strings = {"clickhouse/clickhouse-server:24.8", "clickhouse/clickhouse-server:25.8"})
  void theWholeEndToEndSuitePassesOnACurrentClickHouse(String image) throws Exception {
    requireDockerAndMinio();
    // The tests connect as the default user without a password, as to their own server; the
    // image allows that from outside the container only when told to leave its users alone.
    try (GenericContainer<?> clickhouse =
        clickhouse(image).withEnv("CLICKHOUSE_SKIP_USER_SETUP", "1")) {
      clickhouse.start();
      ExternalServersSuite.Outcome outcome =
          ExternalServersSuite.run(
              URI.create(httpUrl(clickhouse)),
              minioUrl(),
              MINIO_USER,
              MINIO_PASSWORD,
              Map.of("agp.load.executions", "2000"),
              ExternalServersSuite.END_TO_END,
              Duration.ofMinutes(30));
      assertThat(outcome.exitStatus()).as(outcome.output()).isZero();
      assertThat(outcome.succeeded()).as(outcome.output()).isPositive();
    }
  }

  /**
   * ClickHouse's own lock behind AGP's lists, as deploy/clickhouse sets it up (the server settings
   * of config.d, then agp-access.sql run by the administrating user): each attempt of the attack
   * suite, sent straight to ClickHouse as a tier's user, is refused by the server as well, while
   * what AGP itself needs (the analytic database, system.processes, settings) still works.
   */
  @ParameterizedTest
  @ValueSource(strings = {"clickhouse/clickhouse-server:24.8", "clickhouse/clickhouse-server:25.8"})
  void theServerRefusesWhatTheTiersListsRefuseAsWell(String image) throws Exception {
    assumeTrue(
        DockerClientFactory.instance().isDockerAvailable(),
        "no Docker engine here: the ClickHouse side of the tiers (tag docker) needs one");
    Path recipe = Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/clickhouse");
    try (GenericContainer<?> clickhouse =
        clickhouse(image)
            .withEnv("CLICKHOUSE_USER", "agp")
            .withEnv("CLICKHOUSE_PASSWORD", "agp")
            .withEnv("CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT", "1")
            .withFileSystemBind(
                recipe.resolve("config.d/agp-access-control.xml").toString(),
                "/etc/clickhouse-server/config.d/agp-access-control.xml",
                BindMode.READ_ONLY)) {
      clickhouse.start();
      String url = httpUrl(clickhouse);
      for (String statement :
          Files.readString(recipe.resolve("agp-access.sql"))
              .replaceAll("(?m)^--.*$", "")
              .split(";")) {
        if (!statement.isBlank()) {
          Answer applied = send(url, "agp", statement, "");
          assertThat(applied.status()).as(statement + ": " + applied.body()).isEqualTo(200);
        }
      }
      send(url, "agp", "CREATE TABLE analytics.hits (n UInt32) ENGINE = Memory", "");
      send(url, "agp", "INSERT INTO analytics.hits SELECT number FROM numbers(10)", "");

      // What AGP needs works.
      assertThat(send(url, "agp_default", "SELECT count() FROM hits", "").body()).isEqualTo("10\n");
      assertThat(send(url, "agp_default", "SELECT count() >= 0 FROM system.processes", "").status())
          .isEqualTo(200);
      assertThat(send(url, "agp_default", "SELECT count() > 0 FROM system.settings", "").status())
          .isEqualTo(200);
      assertThat(send(url, "agp_default", "SELECT sum(number) FROM numbers(4)", "").body())
          .isEqualTo("6\n");
      // What the attack suite tries is refused by the server too.
      for (String[] attempt :
          new String[][] {
            {"SELECT * FROM url('http://127.0.0.1:8123/ping', TSV, 'x String')", ""},
            {"SELECT * FROM remote('127.0.0.1:9000', system.one)", ""},
            {"SELECT * FROM file('x.csv', CSV, 'x UInt8')", ""},
            {"SELECT query FROM system.query_log", ""},
            {"SELECT name FROM system.users", ""},
            {"SELECT * FROM system.grants", ""},
            {"SELECT 1", "log_queries=0"},
            {"SELECT 1", "max_threads=64"},
            {"SELECT 1", "max_execution_time=0"},
            {"SELECT 1", "readonly=0"},
            {"SELECT 1", "role=admin"},
            {"CREATE TABLE analytics.mine (x UInt8) ENGINE = Memory", ""},
            {"SELECT * FROM default.whatever", ""}
          }) {
        Answer refused = send(url, "agp_default", attempt[0], attempt[1]);
        assertThat(refused.status())
            .as("%s %s: %s", attempt[0], attempt[1], refused.body())
            .isNotEqualTo(200);
      }
    }
  }

  private record Answer(int status, String body) {}

  private Answer send(String url, String user, String sql, String parameters) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        url
                            + "/?user="
                            + user
                            + "&password=agp"
                            + (parameters.isEmpty() ? "" : "&" + parameters)))
                .POST(HttpRequest.BodyPublishers.ofString(sql))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new Answer(response.statusCode(), response.body());
  }

  private static GenericContainer<?> clickhouse(String image) {
    return new GenericContainer<>(DockerImageName.parse(image))
        .withExposedPorts(8123)
        .waitingFor(Wait.forHttp("/ping").forPort(8123))
        .withStartupTimeout(Duration.ofMinutes(3));
  }

  private static String httpUrl(GenericContainer<?> clickhouse) {
    return "http://" + clickhouse.getHost() + ":" + clickhouse.getMappedPort(8123);
  }

  private byte[] get(URI uri) throws Exception {
    HttpResponse<byte[]> response =
        http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).as(uri.toString()).isEqualTo(200);
    return response.body();
  }
}
