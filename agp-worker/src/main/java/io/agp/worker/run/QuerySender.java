package io.agp.worker.run;

import io.agp.clickhouse.ClickHouseClient;
import io.agp.clickhouse.ClickHouseResponse;
import io.agp.clickhouse.ClickHouseUnreachableException;
import io.agp.execution.Execution;
import io.agp.execution.ResultFormat;
import io.agp.tier.TierClickHouse;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends an attempt's query to its tier's ClickHouse: to the endpoints in turn until one takes the
 * connection. One that refuses it is skipped at once, since the query was certainly not sent there.
 */
final class QuerySender {

  private static final Logger log = LoggerFactory.getLogger(QuerySender.class);

  private final TierClickHouse clickhouse;

  QuerySender(TierClickHouse clickhouse) {
    this.clickhouse = clickhouse;
  }

  /** The query as sent: the endpoint that runs it, its settings and its streaming answer. */
  record Sent(ClickHouseClient node, Map<String, String> settings, ClickHouseResponse response)
      implements AutoCloseable {

    @Override
    public void close() {
      response.close();
    }
  }

  /**
   * @param format the format ClickHouse is to answer in, which may differ from the stored one (see
   *     {@link AnswerHeader})
   * @throws AttemptStopped when the attempt was abandoned or stopped before its query left
   */
  Sent send(RunningExecution run, ResultFormat format) {
    Execution execution = run.claimed().execution();
    List<ClickHouseClient> candidates = clickhouse.candidates();
    for (int i = 0; ; i++) {
      ClickHouseClient node = candidates.get(i);
      try {
        // First, as it may ask the server what it knows and take a while: an attempt abandoned
        // meanwhile is refused by useNode and sends nothing.
        clickhouse.refuseDisallowed(execution.sql());
        Map<String, String> settings =
            clickhouse.settingsFor(
                run.claimed().effectiveQuotaKey(), run.claimed().parameters(), node);
        if (!run.useNode(node)) {
          throw new AttemptStopped();
        }
        ClickHouseResponse response;
        try {
          response =
              node.execute(
                  run.attemptId().clickHouseQueryId(),
                  execution.sql() + "\nFORMAT " + format.name(),
                  settings);
        } finally {
          run.sendEnded();
        }
        run.attach(response);
        return new Sent(node, settings, response);
      } catch (ClickHouseUnreachableException e) {
        clickhouse.unreachable(node);
        if (i + 1 == candidates.size()) {
          throw e;
        }
        log.warn("{}; trying the next endpoint", e.getMessage());
      }
    }
  }
}
