package io.agp.local;

import io.agp.api.ApiApplication;
import io.agp.bookkeeper.BookkeeperApplication;
import io.agp.embedded.ClickHouseServer;
import io.agp.worker.WorkerApplication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * AGP on one machine without Docker: an embedded PostgreSQL kept under the data folder, results in
 * a local folder, and the API, a worker and the bookkeeper in this JVM, each the same application
 * as in production. ClickHouse is the one given by {@code --clickhouse=URL}, or else a private
 * {@code clickhouse-server} started from the installed binary, its data under the data folder too.
 *
 * <p>Options: {@code --clickhouse=http://host:8123}, {@code --port=8888}, {@code --host=127.0.0.1},
 * {@code --data=./agp-local-data}, {@code --jwt} (callers need a token signed with the data
 * folder's {@code jwt-secret}; {@code token USER} prints one). Anything else is passed to the three
 * apps as a Spring property, e.g. {@code --agp.tiers.default.concurrency=8}.
 *
 * <p>What cannot start (the port taken, no ClickHouse, the data folder used by another run) ends
 * the run with one line saying so and a non-zero exit, before anything else starts; a SIGTERM stops
 * the apps, then ClickHouse, then PostgreSQL, in that order.
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

  /** Exit status when something could not start; the line printed says what. */
  static final int CANNOT_START = 2;

  private static final String OPTIONS_USAGE =
      "options: --clickhouse=URL --port=N --host=ADDRESS --data=DIR --jwt";

  private final Path data;
  private final String host;
  private final FileLock lock;
  private EmbeddedPostgres postgres;
  // The private ClickHouse started for this run, or null when one was given.
  private ClickHouseServer ownClickHouse;
  private URI clickhouse;
  private boolean jwt;
  // In start order: the bookkeeper, the worker, the API.
  private final List<ConfigurableApplicationContext> apps = new ArrayList<>();

  private LocalAgp(Path data, String host, FileLock lock) {
    this.data = data;
    this.host = host;
    this.lock = lock;
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("token")) {
      System.exit(printToken(Arrays.copyOfRange(args, 1, args.length)));
    }
    LocalAgp agp;
    try {
      agp = start(args);
    } catch (CannotStartException e) {
      System.err.println("agp-local: " + e.getMessage());
      System.exit(CANNOT_START);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(agp::close, "agp-local-stop"));
    System.out.println(agp.banner());
  }

  /** What is where, for the person who started it. */
  String banner() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    String base = "http://" + h + ":" + apiPort();
    StringBuilder text = new StringBuilder();
    text.append("\nAGP is running (Ctrl-C stops it).\n")
        .append("  Console:     ")
        .append(base)
        .append("/ui/\n")
        .append("  API:         ")
        .append(base)
        .append("/v1/async/executions\n")
        .append("  Sync run:    ")
        .append(base)
        .append("/v1/sync/run\n")
        .append("  ClickHouse proxy: ")
        .append(base)
        .append("/v1/chproxy/\n")
        .append("  Swagger UI:  ")
        .append(base)
        .append("/v1/async/docs/\n")
        .append("  Actuators:   API ")
        .append(base)
        .append("/actuator, worker http://")
        .append(h)
        .append(':')
        .append(port(apps.get(1)))
        .append("/actuator, bookkeeper http://")
        .append(h)
        .append(':')
        .append(port(apps.get(0)))
        .append("/actuator\n")
        .append("  ClickHouse:  ")
        .append(clickhouse)
        .append('\n')
        .append("  data:        ")
        .append(data)
        .append('\n');
    String auth = jwt ? " -H \"Authorization: Bearer $TOKEN\"" : "";
    if (jwt) {
      text.append("JWT mode: every call needs a token; make one with\n")
          .append("  TOKEN=$(./agp-local.sh token alice --data=")
          .append(data)
          .append(")\n")
          .append("  (options: --tier=a,b --admin --quota-key=K --ttl=12h)\n");
    }
    text.append("Try:\n")
        .append("  curl -s -X POST '")
        .append(base)
        .append("/v1/async/executions?wait=10' -H 'Content-Type: text/plain'")
        .append(auth)
        .append(" \\\n       --data 'SELECT number FROM system.numbers LIMIT 3'\n");
    return text.toString();
  }

  /** Starts PostgreSQL, ClickHouse unless one is given, and the three apps; see the class doc. */
  public static LocalAgp start(String... args) {
    Map<String, String> options = new LinkedHashMap<>();
    List<String> passThrough = new ArrayList<>();
    for (String arg : args) {
      if (arg.equals("--jwt")) {
        options.put("jwt", "true");
      } else if (arg.startsWith("--clickhouse=")
          || arg.startsWith("--port=")
          || arg.startsWith("--host=")
          || arg.startsWith("--data=")) {
        String[] pair = arg.substring(2).split("=", 2);
        options.put(pair[0], pair[1]);
      } else if (arg.startsWith("--") && arg.contains("=")) {
        passThrough.add(arg);
      } else {
        throw new CannotStartException("unknown argument '" + arg + "'; " + OPTIONS_USAGE);
      }
    }
    Path data = Path.of(options.getOrDefault("data", "agp-local-data")).toAbsolutePath();
    String host = options.getOrDefault("host", "127.0.0.1");
    int port = port(options.getOrDefault("port", "8888"));
    LocalAgp agp = new LocalAgp(data, host, lockDataFolder(data));
    try {
      agp.jwt = options.containsKey("jwt");
      checkFree(host, port);
      agp.startServers(options.get("clickhouse"));
      agp.startApps(port, passThrough);
      return agp;
    } catch (RuntimeException e) {
      agp.close();
      throw e instanceof CannotStartException c ? c : new CannotStartException(oneLine(e));
    }
  }

  private void startServers(String givenClickHouse) {
    if (givenClickHouse == null) {
      AppLogTag.set("clickhouse");
      try {
        ownClickHouse = ClickHouseServer.launch(data.resolve("clickhouse"));
      } catch (RuntimeException e) {
        throw new CannotStartException(
            "cannot start ClickHouse: " + oneLine(e) + "; or name a server with --clickhouse=URL");
      }
      clickhouse = ownClickHouse.httpUrl();
    } else {
      try {
        clickhouse = URI.create(givenClickHouse);
      } catch (IllegalArgumentException e) {
        throw new CannotStartException("--clickhouse is not a URL: " + givenClickHouse);
      }
    }
    AppLogTag.set("postgres");
    try {
      Files.createDirectories(data.resolve("postgres"));
      postgres =
          EmbeddedPostgres.builder()
              .setDataDirectory(data.resolve("postgres"))
              .setCleanDataDirectory(false)
              // Stopped by close(), after the apps: its own hook would stop it under them.
              .setRegisterShutdownHook(false)
              .start();
    } catch (IOException | RuntimeException e) {
      throw new CannotStartException("cannot start the embedded PostgreSQL: " + oneLine(e));
    } finally {
      AppLogTag.set("agp-local");
    }
  }

  private void startApps(int port, List<String> passThrough) {
    List<String> common = new ArrayList<>();
    common.add("--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"));
    common.add("--spring.datasource.username=postgres");
    common.add("--spring.datasource.password=");
    common.add("--agp.tiers.default.clickhouse.url=" + clickhouse);
    common.add("--agp.results.location=" + data.resolve("results").toUri());
    try {
      common.add("--agp.api.link-secrets=" + secret(data, "link-secret"));
      common.add("--agp.callbacks.enabled=true");
      common.add("--agp.callbacks.secret=" + secret(data, "callback-secret"));
      if (jwt) {
        common.add("--agp.api.auth.mode=jwt");
        common.add("--agp.api.auth.jwt-secret=" + secret(data, JWT_SECRET));
      }
    } catch (IOException e) {
      throw new CannotStartException("cannot keep secrets in " + data + ": " + oneLine(e));
    }
    // Without authentication every caller is an admin: only this machine may call. The actuators
    // of the worker and the bookkeeper, on ports of their own, stay local too.
    common.add("--server.address=" + host);
    if (!host.matches("[0-9.]+|.*:.*")) {
      // A name to listen on is a name callers reach it by (without auth, others are refused).
      common.add("--agp.api.allowed-hosts=" + host);
    }
    common.addAll(passThrough);
    start("agp-bookkeeper", BookkeeperApplication.builder(), with(common, "--server.port=0"));
    start("agp-worker", WorkerApplication.builder(), with(common, "--server.port=0"));
    start("agp-api", ApiApplication.builder(), with(common, "--server.port=" + port));
  }

  private void start(String name, SpringApplicationBuilder app, String[] args) {
    AppLogTag.set(name);
    try {
      // Stopped by close(), in order: their own hooks would race each other and PostgreSQL.
      apps.add(app.registerShutdownHook(false).run(args));
    } catch (RuntimeException e) {
      throw new CannotStartException(name + " did not start: " + oneLine(e));
    } finally {
      AppLogTag.set("agp-local");
    }
  }

  /** The port the API listens on. */
  public int apiPort() {
    return port(apps.getLast());
  }

  private static int port(ConfigurableApplicationContext app) {
    return ((WebServerApplicationContext) app).getWebServer().getPort();
  }

  /** Stops the apps (API first), then ClickHouse (if started here) and PostgreSQL; data stays. */
  @Override
  public synchronized void close() {
    for (ConfigurableApplicationContext app : apps.reversed()) {
      try {
        app.close();
      } catch (RuntimeException e) {
        System.err.println("agp-local: stopping an app failed: " + oneLine(e));
      }
    }
    apps.clear();
    if (ownClickHouse != null) {
      ownClickHouse.close();
      ownClickHouse = null;
    }
    if (postgres != null) {
      try {
        postgres.close();
      } catch (IOException e) {
        // Exiting anyway; PostgreSQL recovers its data folder at the next start.
      }
      postgres = null;
    }
    try {
      lock.release();
      lock.channel().close();
    } catch (IOException e) {
      // The lock goes with the process anyway.
    }
  }

  /**
   * Holds the data folder for this run: a second run on the same folder would share its PostgreSQL
   * files and ClickHouse data.
   */
  private static FileLock lockDataFolder(Path data) {
    try {
      Files.createDirectories(data);
      FileChannel channel =
          FileChannel.open(
              data.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        channel.close();
        throw new CannotStartException(
            "the data folder "
                + data
                + " is in use by another AGP on this machine: stop it, or choose another folder"
                + " with --data=DIR");
      }
      return lock;
    } catch (IOException e) {
      throw new CannotStartException("cannot use the data folder " + data + ": " + oneLine(e));
    }
  }

  private static void checkFree(String host, int port) {
    if (port == 0) {
      return;
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new CannotStartException(
          "port "
              + port
              + " on "
              + host
              + " is in use: stop what uses it, or choose another with --port=N");
    }
  }

  private static int port(String text) {
    try {
      int port = Integer.parseInt(text.strip());
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new CannotStartException("--port must be a port number, not '" + text + "'");
    }
  }

  /** The name of the data folder's file that holds the HS256 key of {@code --jwt}. */
  static final String JWT_SECRET = "jwt-secret";

  /**
   * {@code token USER [--tier=a,b] [--admin] [--quota-key=K] [--ttl=12h] [--data=DIR]}: prints a
   * token for the local mode's JWT mode, signed with the data folder's secret.
   */
  static int printToken(String[] args) {
    String user = null;
    String tiers = null;
    boolean admin = false;
    String quotaKey = null;
    Duration ttl = Duration.ofHours(12);
    Path data = Path.of("agp-local-data");
    for (String arg : args) {
      if (arg.equals("--admin")) {
        admin = true;
      } else if (arg.startsWith("--tier=")) {
        tiers = arg.substring("--tier=".length());
      } else if (arg.startsWith("--quota-key=")) {
        quotaKey = arg.substring("--quota-key=".length());
      } else if (arg.startsWith("--data=")) {
        data = Path.of(arg.substring("--data=".length()));
      } else if (arg.startsWith("--ttl=")) {
        try {
          ttl = DurationStyle.detectAndParse(arg.substring("--ttl=".length()));
        } catch (IllegalArgumentException e) {
          System.err.println("agp-local token: --ttl is a duration such as 12h or 30m");
          return CANNOT_START;
        }
      } else if (!arg.startsWith("--") && user == null) {
        user = arg;
      } else {
        user = null;
        break;
      }
    }
    if (user == null || user.isBlank()) {
      System.err.println(
          "usage: agp-local token USER [--tier=a,b] [--admin] [--quota-key=K] [--ttl=12h]"
              + " [--data=DIR]");
      return CANNOT_START;
    }
    try {
      Files.createDirectories(data);
      String secret = secret(data.toAbsolutePath(), JWT_SECRET);
      System.out.println(
          LocalTokens.token(secret, user, LocalTokens.tiers(tiers), admin, quotaKey, ttl));
      return 0;
    } catch (IOException e) {
      System.err.println("agp-local token: cannot read the secret in " + data + ": " + e);
      return CANNOT_START;
    }
  }

  /**
   * A secret kept in the data folder under this name, made at the first start. Only its owner may
   * read it (0600): whoever reads the JWT secret may sign tokens as any user, an admin's too.
   */
  static String secret(Path data, String name) throws IOException {
    Path file = data.resolve(name);
    if (!Files.exists(file)) {
      byte[] secret = new byte[32];
      new SecureRandom().nextBytes(secret);
      Path fresh = data.resolve(name + ".new");
      Files.deleteIfExists(fresh);
      Files.createFile(fresh, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      Files.writeString(fresh, Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
      Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE);
    } else if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
      // Written by an earlier version, readable by others.
      Files.setPosixFilePermissions(file, OWNER_ONLY);
    }
    return Files.readString(file).strip();
  }

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  /** The deepest cause's message, on one line: what a person can act on. */
  private static String oneLine(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    return message.replaceAll("\\s+", " ").strip();
  }

  private static String[] with(List<String> common, String extra) {
    List<String> args = new ArrayList<>(common);
    args.add(0, extra);
    return args.toArray(String[]::new);
  }
}
