package io.agp.it;

import io.agp.testkit.ClickHouseTestServer;
import io.agp.testkit.S3TestServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The end-to-end test classes, unchanged, in a JVM of their own whose test kit points at a
 * ClickHouse and an S3 outside it ({@link ClickHouseTestServer#EXTERNAL_URL}, {@link
 * S3TestServer#EXTERNAL_ENDPOINT}): how the suite runs against containers of current releases. The
 * JVM runs the classes with JUnit's launcher and exits 0 only if every test passed.
 */
final class ExternalServersSuite {

  /**
   * The end-to-end cases that need nothing of a server but its protocol: the fault tests (which
   * stop servers) and the security suite (which needs users configured in the embedded server) stay
   * with the embedded servers.
   */
  static final List<String> END_TO_END =
      List.of(
          LocalStoreEndToEndTest.class.getName(),
          S3StoreEndToEndTest.class.getName(),
          ApiWithWorkerTest.class.getName(),
          CompletionCallbackTest.class.getName(),
          LoadTest.class.getName());

  /** What a run gave: its exit status, the tests that ran and passed, and its output. */
  record Outcome(int exitStatus, long succeeded, String output) {}

  private ExternalServersSuite() {}

  /** Entry point of the child JVM: the classes to run are the arguments. */
  public static void main(String[] classes) {
    LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
    for (String name : classes) {
      request.selectors(DiscoverySelectors.selectClass(name));
    }
    LauncherDiscoveryRequest discovery = request.build();
    Launcher launcher = LauncherFactory.create();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    launcher.execute(discovery, listener);
    TestExecutionSummary summary = listener.getSummary();
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    summary.printTo(out);
    summary.printFailuresTo(out, 30);
    out.println("external servers suite: " + summary.getTestsSucceededCount() + " succeeded");
    out.flush();
    System.exit(summary.getTotalFailureCount() == 0 && summary.getTestsFoundCount() > 0 ? 0 : 1);
  }

  /**
   * Runs {@code classes} in a new JVM on this one's test classpath, against this ClickHouse and
   * this S3 (endpoint, access key, secret key), with {@code extra} system properties.
   */
  static Outcome run(
      URI clickhouse,
      URI s3,
      String accessKey,
      String secretKey,
      Map<String, String> extra,
      List<String> classes,
      Duration timeout)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
    command.add("-XX:+EnableDynamicAgentLoading");
    command.add("-D" + ClickHouseTestServer.EXTERNAL_URL + "=" + clickhouse);
    command.add("-D" + S3TestServer.EXTERNAL_ENDPOINT + "=" + s3);
    command.add("-D" + S3TestServer.EXTERNAL_ACCESS_KEY + "=" + accessKey);
    command.add("-D" + S3TestServer.EXTERNAL_SECRET_KEY + "=" + secretKey);
    extra.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.add(ExternalServersSuite.class.getName());
    command.addAll(classes);
    Path output = Files.createTempFile("external-servers-suite-", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder
        .environment()
        .put(
            "CLASSPATH",
            System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    Process process = builder.start();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor();
      return new Outcome(-1, 0, "timed out after " + timeout + "\n" + Files.readString(output));
    }
    String text = Files.readString(output);
    long succeeded =
        text.lines()
            .filter(line -> line.startsWith("external servers suite: "))
            .map(line -> line.replaceAll("\\D", ""))
            .mapToLong(Long::parseLong)
            .findFirst()
            .orElse(0);
    return new Outcome(process.exitValue(), succeeded, text);
  }
}
