package io.agp.tier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What reading a query against a tier's allow-lists costs (four readings for the versions, the
 * settings, what it reaches): a dashboard's query of about 400 characters, one of 20 KB and one of
 * 1 MB (the largest the API takes by default). Median of 15 rounds, each the mean of as many checks
 * as fit in about 100 ms. Run with {@code bench/policy/run.sh}; each figure is printed with its
 * bound and "met" or "MISSED", and a missed bound fails the run.
 */
@EnabledIfSystemProperty(named = "agp.bench", matches = "true")
class QueryPolicyBenchmark {

  private static final String DASHBOARD =
      "SELECT toStartOfHour(event_time) AS hour, country, count() AS hits,"
          + " uniqExact(user_id) AS users, quantile(0.95)(duration_ms) AS p95"
          + " FROM analytics.hits AS h LEFT JOIN analytics.countries AS c ON h.country_id = c.id"
          + " WHERE event_date BETWEEN '2026-11-01' AND '2026-11-30' AND site = 'main'"
          + " AND path NOT LIKE '/api/%' /* the dashboard's filter */"
          + " GROUP BY hour, country ORDER BY hour, hits DESC LIMIT 1000"
          + " SETTINGS max_threads = 4, join_use_nulls = 1";

  @Test
  void checksAQueryInMicroseconds() {
    QueryPolicy policy =
        new QueryPolicy("bench", TierPropertiesTest.tier(Map.of("settings.max_threads", "8")));
    String large = repeat(20 * 1024);
    String huge = repeat(1024 * 1024);

    boolean met = true;
    met &= report("a dashboard's query (" + DASHBOARD.length() + " chars)", policy, DASHBOARD, 100);
    met &= report("a query of 20 KB", policy, large, 5_000);
    met &= report("a query of 1 MB", policy, huge, 400_000);
    assertThat(met).as("every bound met").isTrue();
  }

  private static String repeat(int size) {
    StringBuilder sql = new StringBuilder("SELECT count() FROM (");
    int i = 0;
    while (sql.length() < size - 200) {
      sql.append(i == 0 ? "" : " UNION ALL ").append("SELECT 'x").append(i++).append("' AS s");
    }
    return sql.append(") SETTINGS join_use_nulls = 1").toString();
  }

  /** Prints the median microseconds per check and whether it is within the bound. */
  private static boolean report(String what, QueryPolicy policy, String sql, double boundMicros) {
    for (int i = 0; i < 50; i++) {
      policy.check(sql);
    }
    List<Double> rounds = new ArrayList<>();
    for (int round = 0; round < 15; round++) {
      long start = System.nanoTime();
      int checks = 0;
      do {
        policy.check(sql);
        checks++;
      } while (System.nanoTime() - start < 100_000_000L);
      rounds.add((System.nanoTime() - start) / 1000.0 / checks);
    }
    Collections.sort(rounds);
    double median = rounds.get(rounds.size() / 2);
    boolean met = median <= boundMicros;
    System.out.printf(
        "policy check, %s: %.1f µs median (rounds %.1f-%.1f); bound %.0f µs: %s%n",
        what, median, rounds.getFirst(), rounds.getLast(), boundMicros, met ? "met" : "MISSED");
    return met;
  }
}
