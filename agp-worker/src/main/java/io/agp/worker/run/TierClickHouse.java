package io.agp.worker.run;

import io.agp.clickhouse.ClickHouseClient;
import io.agp.clickhouse.ClickHouseException;
import io.agp.execution.ClaimedExecution;
import io.agp.tier.TierProperties;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ClickHouse server of one tier and what it accepts: the settings it knows and whether it takes
 * query parameters. Both are asked once, at the first query (a server that is down at start-up
 * fails that query as a transient failure, and is asked again at the next one).
 */
final class TierClickHouse {

  private static final Logger log = LoggerFactory.getLogger(TierClickHouse.class);

  private static final String MAX_EXECUTION_TIME = "max_execution_time";
  private static final String OVERFLOW_MODE_SUFFIX = "_overflow_mode";
  private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)");

  /** Query parameters ({@code {name:Type}} in the SQL, {@code param_name} in the URL): 19.11+. */
  private static final int[] PARAMETERS_SINCE = {19, 11};

  private final String tierName;
  private final TierProperties tier;
  private final ClickHouseClient client;
  private volatile Server server;

  /** What the server told when asked. */
  private record Server(String version, Set<String> knownSettings, boolean takesParameters) {}

  TierClickHouse(String tierName, TierProperties tier, ClickHouseClient client) {
    this.tierName = tierName;
    this.tier = tier;
    this.client = client;
  }

  ClickHouseClient client() {
    return client;
  }

  /**
   * The URL parameters of one attempt's query: the tier's settings with every overflow mode forced
   * to {@code throw}, less those the server does not know, the quota key and the parameters.
   *
   * @throws ClickHouseException when the server cannot be asked what it knows
   * @throws UnsupportedQueryException when the execution has parameters the server cannot take
   */
  Map<String, String> settingsFor(ClaimedExecution claimed) {
    Server known = server();
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put(MAX_EXECUTION_TIME, Long.toString(Math.max(1, tier.maxRunTime().toSeconds())));
    tier.settings().forEach((name, value) -> settings.put(name, value));
    // A "break" (or "any") mode ends a query early with a 200 and a partial result that looks
    // complete: every overflow mode the server has is sent as "throw", whatever the tier says.
    for (String name : known.knownSettings()) {
      if (name.endsWith(OVERFLOW_MODE_SUFFIX)) {
        settings.put(name, "throw");
      }
    }
    settings.keySet().retainAll(known.knownSettings());
    if (tier.sendQuotaKey()) {
      settings.put(ClickHouseClient.QUOTA_KEY, claimed.execution().createdBy());
    }
    if (!claimed.parameters().isEmpty()) {
      if (!known.takesParameters()) {
        throw new UnsupportedQueryException(
            "the query has parameters, but ClickHouse "
                + known.version()
                + " of tier "
                + tierName
                + " does not support query parameters (19.11 and later do); the query was not"
                + " run");
      }
      claimed.parameters().forEach((name, value) -> settings.put("param_" + name, value));
    }
    return settings;
  }

  private Server server() {
    Server known = server;
    if (known == null) {
      // Racing first queries may both ask; the answers are the same.
      String version = client.version();
      Set<String> settings = client.knownSettings();
      known = new Server(version, settings, atLeast(version, PARAMETERS_SINCE));
      Set<String> unknown = new TreeSet<>(tier.settings().keySet());
      unknown.removeAll(settings);
      if (!unknown.isEmpty()) {
        log.warn(
            "ClickHouse {} of tier {} does not know the settings {}: they are not sent",
            version,
            tierName,
            unknown);
      }
      log.info("tier {} runs on ClickHouse {}", tierName, version);
      server = known;
    }
    return known;
  }

  static boolean atLeast(String version, int[] minimum) {
    Matcher matcher = VERSION.matcher(version);
    if (!matcher.find()) {
      return false;
    }
    int major = Integer.parseInt(matcher.group(1));
    int minor = Integer.parseInt(matcher.group(2));
    return major > minimum[0] || (major == minimum[0] && minor >= minimum[1]);
  }
}
