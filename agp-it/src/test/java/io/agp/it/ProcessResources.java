package io.agp.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What one app process holds at an instant, read from outside as an operator's tools would: the
 * heap left after a full collection ({@code jcmd GC.run}, then {@code jstat -gc}), its threads and
 * open file descriptors ({@code /proc}), and its TCP connections to the database.
 */
record ProcessResources(
    long heapAfterGcBytes, int threads, int fileDescriptors, int dbConnections) {

  private static final Path JDK_BIN = Path.of(System.getProperty("java.home"), "bin");

  /** Reads the resources of process {@code pid}, whose database listens on {@code dbPort}. */
  static ProcessResources of(long pid, int dbPort) throws IOException, InterruptedException {
    run(JDK_BIN.resolve("jcmd").toString(), Long.toString(pid), "GC.run");
    long heap = heapUsed(run(JDK_BIN.resolve("jstat").toString(), "-gc", Long.toString(pid)));
    List<Path> fds;
    try (Stream<Path> listing = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      fds = listing.toList();
    }
    return new ProcessResources(heap, threads(pid), fds.size(), dbConnections(fds, dbPort));
  }

  /** The used parts of the heap, in bytes, from {@code jstat -gc}'s header and values (in KB). */
  static long heapUsed(String jstat) {
    List<String> lines = jstat.strip().lines().toList();
    String[] names = lines.get(0).strip().split("\\s+");
    String[] values = lines.get(lines.size() - 1).strip().split("\\s+");
    double kilobytes = 0;
    for (int i = 0; i < names.length; i++) {
      if (List.of("S0U", "S1U", "EU", "OU").contains(names[i])) {
        kilobytes += Double.parseDouble(values[i]);
      }
    }
    return Math.round(kilobytes * 1024);
  }

  private static int threads(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("Threads:")) {
        return Integer.parseInt(line.substring("Threads:".length()).strip());
      }
    }
    throw new IllegalStateException("no thread count for process " + pid);
  }

  /**
   * Of a process's descriptors, the sockets that are established TCP connections to {@code port}.
   */
  private static int dbConnections(List<Path> fds, int port) throws IOException {
    Set<String> inodes = new HashSet<>();
    String hexPort = String.format(Locale.ROOT, ":%04X", port);
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      List<String> lines = Files.readAllLines(Path.of(table));
      for (String line : lines.subList(1, lines.size())) {
        String[] fields = line.strip().split("\\s+");
        // remote address, state (01: established), inode
        if (fields[2].endsWith(hexPort) && fields[3].equals("01")) {
          inodes.add(fields[9]);
        }
      }
    }
    int connections = 0;
    for (Path fd : fds) {
      try {
        String target = Files.readSymbolicLink(fd).toString();
        if (target.startsWith("socket:[")
            && inodes.contains(target.substring(8, target.length() - 1))) {
          connections++;
        }
      } catch (IOException e) {
        // closed since the listing
      }
    }
    return connections;
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new UncheckedIOException(
          new IOException(
              String.join(" ", command)
                  + " failed: "
                  + new String(output, StandardCharsets.UTF_8)));
    }
    return new String(output, StandardCharsets.UTF_8);
  }
}
