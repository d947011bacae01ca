package io.agp.local;

import io.agp.api.ApiApplication;
import io.agp.bookkeeper.BookkeeperApplication;
import io.agp.embedded.ClickHouseServer;
import io.agp.worker.WorkerApplication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * AGP on one machine without Docker: an embedded PostgreSQL kept under the data folder, results in
 * a local folder, and the API, a worker and the bookkeeper in this JVM, each the same application
 * as in production. ClickHouse is the one given by {@code --clickhouse=URL}, or else a private
 * {@code clickhouse-server} started from the installed binary, its data under the data folder too.
 *
 * <p>Options: {@code --clickhouse=http://host:8123}, {@code --port=8888}, {@code --host=127.0.0.1},
 * {@code --data=./agp-local-data}. Anything else is passed to the three apps as a Spring property,
 * e.g. {@code --agp.tiers.default.concurrency=8}.
 *
 * <p>Without authentication every caller is trusted and an admin, so the local mode listens on the
 * loopback interface only unless {@code --host} says otherwise. Its signed-link secret is made once
 * and kept in the data folder, so that links survive a restart; so is the secret that signs
 * completion callbacks, which are on (a receiver checks signatures with the file {@code
 * callback-secret}). Callbacks go to https URLs of public hosts only, unless {@code
 * --agp.callbacks.allowed-hosts=localhost} (for instance) lets them reach a receiver on this
 * machine.
 */
public final class LocalAgp implements AutoCloseable {

  private final EmbeddedPostgres postgres;
  // The private ClickHouse started for this run, or null when one was given.
  private final ClickHouseServer ownClickHouse;
  private final List<ConfigurableApplicationContext> apps;
  private final URI clickhouse;
  private final Path data;
  private final String host;

  private LocalAgp(
      EmbeddedPostgres postgres,
      ClickHouseServer ownClickHouse,
      List<ConfigurableApplicationContext> apps,
      URI clickhouse,
      Path data,
      String host) {
    this.postgres = postgres;
    this.ownClickHouse = ownClickHouse;
    this.apps = apps;
    this.clickhouse = clickhouse;
    this.data = data;
    this.host = host;
  }

  public static void main(String[] args) throws IOException {
    LocalAgp agp = start(args);
    Runtime.getRuntime().addShutdownHook(new Thread(agp::close, "agp-local-stop"));
    String host = agp.host.contains(":") ? "[" + agp.host + "]" : agp.host;
    System.out.printf(
        """

        AGP is running (Ctrl-C stops it).
          Console:     http://%4$s:%1$s/ui/
          API:         http://%4$s:%1$s/v1/async/executions
          Swagger UI:  http://%4$s:%1$s/v1/async/docs/
          ClickHouse:  %2$s
          data:        %3$s
        Try:
          curl -s -X POST %4$s:%1$s/v1/async/executions -H 'Content-Type: text/plain' \\
               --data 'SELECT number FROM system.numbers LIMIT 3'
        %n""",
        agp.apiPort(), agp.clickhouse, agp.data, host);
  }

  /** Starts PostgreSQL, ClickHouse unless one is given, and the three apps; see the class doc. */
  public static LocalAgp start(String... args) throws IOException {
    Map<String, String> options = new LinkedHashMap<>();
    List<String> passThrough = new ArrayList<>();
    for (String arg : args) {
      if (arg.startsWith("--clickhouse=")
          || arg.startsWith("--port=")
          || arg.startsWith("--host=")
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
    String host = options.getOrDefault("host", "127.0.0.1");

    EmbeddedPostgres postgres =
        EmbeddedPostgres.builder()
            .setDataDirectory(data.resolve("postgres"))
            .setCleanDataDirectory(false)
            .start();
    ClickHouseServer ownClickHouse =
        options.containsKey("clickhouse")
            ? null
            : ClickHouseServer.launch(data.resolve("clickhouse"));
    URI clickhouse =
        ownClickHouse == null ? URI.create(options.get("clickhouse")) : ownClickHouse.httpUrl();

    List<String> common = new ArrayList<>();
    common.add("--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"));
    common.add("--spring.datasource.username=postgres");
    common.add("--spring.datasource.password=");
    common.add("--agp.tiers.default.clickhouse.url=" + clickhouse);
    common.add("--agp.results.location=" + data.resolve("results").toUri());
    common.add("--agp.api.link-secrets=" + secret(data, "link-secret"));
    common.add("--agp.callbacks.enabled=true");
    common.add("--agp.callbacks.secret=" + secret(data, "callback-secret"));
    // Without authentication every caller is an admin: only this machine may call. The actuators
    // of the worker and the bookkeeper, on ports of their own, stay local too.
    common.add("--server.address=" + host);
    common.addAll(passThrough);

    List<ConfigurableApplicationContext> apps = new ArrayList<>();
    LocalAgp agp = new LocalAgp(postgres, ownClickHouse, apps, clickhouse, data, host);
    try {
      apps.add(BookkeeperApplication.builder().run(with(common, "--server.port=0")));
      apps.add(WorkerApplication.builder().run(with(common, "--server.port=0")));
      apps.add(ApiApplication.builder().run(with(common, "--server.port=" + port)));
    } catch (RuntimeException e) {
      agp.close();
      throw e;
    }
    return agp;
  }

  /** The port the API listens on. */
  public int apiPort() {
    return ((WebServerApplicationContext) apps.getLast()).getWebServer().getPort();
  }

  /** Stops the apps, then ClickHouse (if started here) and PostgreSQL; their data stays. */
  @Override
  public void close() {
    apps.reversed().forEach(ConfigurableApplicationContext::close);
    if (ownClickHouse != null) {
      ownClickHouse.close();
    }
    try {
      postgres.close();
    } catch (IOException e) {
      // Exiting anyway; PostgreSQL recovers its data folder at the next start.
    }
  }

  /** A secret kept in the data folder under this name, made at the first start. */
  private static String secret(Path data, String name) throws IOException {
    Path file = data.resolve(name);
    if (!Files.exists(file)) {
      byte[] secret = new byte[32];
      new SecureRandom().nextBytes(secret);
      Path written =
          Files.writeString(
              data.resolve(name + ".new"),
              Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
      Files.move(written, file, StandardCopyOption.ATOMIC_MOVE);
    }
    return Files.readString(file).strip();
  }

  private static String[] with(List<String> common, String extra) {
    List<String> args = new ArrayList<>(common);
    args.add(0, extra);
    return args.toArray(String[]::new);
  }
}
