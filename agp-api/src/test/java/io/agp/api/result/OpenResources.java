package io.agp.api.result;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What this JVM holds open, as the kernel sees it (Linux {@code /proc}): files by their path, TCP
 * connections by their port. Independent of the code under test and of the libraries it uses, so
 * that a test sees a leak whichever layer caused it.
 */
final class OpenResources {

  private static final Path FDS = Path.of("/proc/self/fd");
  private static final String ESTABLISHED = "01";

  private OpenResources() {}

  /** A TCP connection of this process, with the bytes received that nobody has read yet. */
  record Connection(int localPort, int remotePort, long unreadBytes) {}

  /** File descriptors of this process open on a file under the folder. */
  static long filesUnder(Path folder) {
    Path root = folder.toAbsolutePath().normalize();
    return descriptorTargets().stream()
        .filter(target -> target.startsWith(root.toString()))
        .count();
  }

  /** Established TCP connections of this process to a port (its client side), IPv4 or IPv6. */
  static List<Connection> connectionsTo(int port) {
    Set<String> inodes = new HashSet<>();
    for (String target : descriptorTargets()) {
      if (target.startsWith("socket:[")) {
        inodes.add(target.substring("socket:[".length(), target.length() - 1));
      }
    }
    List<Connection> connections = new ArrayList<>();
    for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
      for (String line : lines(Path.of(table))) {
        // sl local_address rem_address st tx_queue:rx_queue tr:when retrnsmt uid timeout inode
        String[] fields = line.strip().split("\\s+");
        if (fields.length < 10 || !fields[3].equals(ESTABLISHED) || !inodes.contains(fields[9])) {
          continue;
        }
        int remotePort = port(fields[2]);
        if (remotePort == port) {
          long unread = Long.parseLong(fields[4].split(":")[1], 16);
          connections.add(new Connection(port(fields[1]), remotePort, unread));
        }
      }
    }
    return connections;
  }

  private static int port(String address) {
    return Integer.parseInt(address.substring(address.indexOf(':') + 1), 16);
  }

  private static List<String> descriptorTargets() {
    List<String> targets = new ArrayList<>();
    try (Stream<Path> fds = Files.list(FDS)) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          targets.add(Files.readSymbolicLink(fd).toString());
        } catch (NoSuchFileException e) {
          // Closed while we looked.
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return targets;
  }

  private static List<String> lines(Path table) {
    try {
      return Files.readAllLines(table);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
