package io.agp.local;

import io.agp.api.ApiApplication;
import io.agp.bookkeeper.BookkeeperApplication;
import io.agp.testkit.ClickHouseTestServer;
import io.agp.worker.WorkerApplication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * AGP on one machine without Docker: an embedded PostgreSQL kept under the data folder, results in
 * a local folder, and the API, a worker and the bookkeeper in this JVM, each the same application
 * as in production. ClickHouse is the one given by {@code --clickhouse=URL}, or else a private
 * {@code clickhouse-server} started from the installed binary.
 *
 * <p>Options: {@code --clickhouse=http://host:8123}, {@code --port=8888}, {@code
 * --data=./agp-local-data}. Anything else is passed to the three apps as a Spring property, e.g.
 * {@code --agp.tiers.default.concurrency=8}.
 */
public final class LocalAgp {

  private LocalAgp() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> options = new LinkedHashMap<>();
    List<String> passThrough = new ArrayList<>();
    for (String arg : args) {
      if (arg.startsWith("--clickhouse=")
          || arg.startsWith("--port=")
          || arg.startsWith("--data=")) {
        String[] pair = arg.substring(2).split("=", 2);
        options.put(pair[0], pair[1]);
      } else {
        passThrough.add(arg);
      }
    }
    Path data = Path.of(options.getOrDefault("data", "agp-local-data")).toAbsolutePath();
    Files.createDirectories(data.resolve("postgres"));
    String port = options.getOrDefault("port", "8888");

    EmbeddedPostgres postgres =
        EmbeddedPostgres.builder()
            .setDataDirectory(data.resolve("postgres"))
            .setCleanDataDirectory(false)
            .start();
    URI clickhouse =
        options.containsKey("clickhouse")
            ? URI.create(options.get("clickhouse"))
            : ClickHouseTestServer.shared().httpUrl();

    List<String> common = new ArrayList<>();
    common.add("--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"));
    common.add("--spring.datasource.username=postgres");
    common.add("--spring.datasource.password=");
    common.add("--agp.tiers.default.clickhouse.url=" + clickhouse);
    common.add("--agp.results.location=" + data.resolve("results").toUri());
    common.addAll(passThrough);

    List<ConfigurableApplicationContext> apps = new ArrayList<>();
    apps.add(BookkeeperApplication.builder().run(with(common, "--server.port=0")));
    apps.add(WorkerApplication.builder().run(with(common, "--server.port=0")));
    apps.add(ApiApplication.builder().run(with(common, "--server.port=" + port)));
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  apps.reversed().forEach(ConfigurableApplicationContext::close);
                  try {
                    postgres.close();
                  } catch (IOException e) {
                    // Exiting anyway; PostgreSQL recovers its data folder at the next start.
                  }
                },
                "agp-local-stop"));

    System.out.printf(
        """

        AGP is running (Ctrl-C stops it).
          API:         http://localhost:%1$s/v1/async/executions
          Swagger UI:  http://localhost:%1$s/v1/async/docs/
          ClickHouse:  %2$s
          data:        %3$s
        Try:
          curl -s -X POST localhost:%1$s/v1/async/executions -H 'Content-Type: text/plain' \\
               --data 'SELECT number FROM system.numbers LIMIT 3'
        %n""",
        port, clickhouse, data);
  }

  private static String[] with(List<String> common, String extra) {
    List<String> args = new ArrayList<>(common);
    args.add(0, extra);
    return args.toArray(String[]::new);
  }
}
