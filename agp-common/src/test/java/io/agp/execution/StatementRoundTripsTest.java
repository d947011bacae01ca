package io.agp.execution;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.agp.results.InlineResult;
import io.agp.testkit.MigratedDatabase;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.SocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionOperations;

/**
 * The statements on the way of a short query each cost one round trip to PostgreSQL, counted as the
 * writes on the connection's socket once the driver prepares them on the server (from their fifth
 * run): the create, whose name, parameters and callback are null, and the completion of a result
 * kept in its row, whose key, compression and figures are null. A null of no type made the driver
 * describe the statement, and it then sent a Sync of its own before each run.
 */
class StatementRoundTripsTest {

  private static final AtomicInteger WRITES = new AtomicInteger();
  // The test's own thread: the notifications the statements queue go out on another one.
  private static volatile Thread counted;

  private static MigratedDatabase db;
  private static HikariDataSource pool;
  private static ExecutionRepository repository;

  /** Sockets that count the writes of what the driver sends; pgjdbc makes one per connection. */
  public static final class CountingSockets extends SocketFactory {

    @Override
    public Socket createSocket() {
      return new Socket() {
        @Override
        public OutputStream getOutputStream() throws IOException {
          return new FilterOutputStream(super.getOutputStream()) {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
              if (Thread.currentThread() == counted) {
                WRITES.incrementAndGet();
              }
              out.write(bytes, offset, length);
            }
          };
        }
      };
    }

    @Override
    public Socket createSocket(String host, int port) {
      throw new UnsupportedOperationException("pgjdbc connects a socket it created");
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress local, int localPort) {
      throw new UnsupportedOperationException("pgjdbc connects a socket it created");
    }

    @Override
    public Socket createSocket(InetAddress host, int port) {
      throw new UnsupportedOperationException("pgjdbc connects a socket it created");
    }

    @Override
    public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) {
      throw new UnsupportedOperationException("pgjdbc connects a socket it created");
    }
  }

  @BeforeAll
  static void start() {
    db = MigratedDatabase.create();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(db.dataSource().getJdbcUrl());
    config.setUsername(db.dataSource().getUsername());
    config.setMaximumPoolSize(1);
    config.addDataSourceProperty("socketFactory", CountingSockets.class.getName());
    pool = new HikariDataSource(config);
    repository =
        new ExecutionRepository(
            JdbcClient.create(pool), TransactionOperations.withoutTransaction());
  }

  @BeforeEach
  void countThisThread() {
    counted = Thread.currentThread();
  }

  @AfterAll
  static void stop() {
    pool.close();
    db.close();
  }

  @Test
  void aCreateWithNullsIsOneRoundTrip() {
    for (int run = 0; run < 10; run++) {
      int before = WRITES.get();

      repository.createOrCollapse(request("SELECT " + run), true);

      if (run >= 6) {
        assertThat(WRITES.get() - before).as("writes of create %d", run).isEqualTo(1);
      }
    }
  }

  @Test
  void aCompletionKeptInItsRowIsOneRoundTrip() {
    for (int run = 0; run < 10; run++) {
      String tier = "round-trips-" + UUID.randomUUID();
      NewExecution request =
          NewExecution.builder(UUID.randomUUID().toString(), "SELECT 1")
              .queryHash("hash " + run)
              .format("TSV")
              .tier(tier)
              .createdBy("tester")
              .build();
      repository.createOrCollapse(request, true);
      AttemptId attempt =
          repository.claim(tier, "worker", 1, Duration.ofSeconds(30)).getFirst().attemptId();
      StoredResult inRow =
          new StoredResult(
              null,
              1,
              2,
              List.of(new ResultMetadata.Column("x", "UInt8")),
              null,
              3,
              new InlineResult("1\n".getBytes()));
      int before = WRITES.get();

      assertThat(repository.complete(attempt, inRow, Duration.ofHours(1))).isTrue();

      if (run >= 6) {
        assertThat(WRITES.get() - before).as("writes of completion %d", run).isEqualTo(1);
      }
    }
  }

  private static NewExecution request(String sql) {
    return NewExecution.builder(UUID.randomUUID().toString(), sql)
        .queryHash("hash of " + sql)
        .format("TSV")
        .createdBy("tester")
        .build();
  }
}
