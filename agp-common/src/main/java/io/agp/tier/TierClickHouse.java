package io.agp.tier;

import io.agp.clickhouse.ClickHouseClient;
import io.agp.clickhouse.ClickHouseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ClickHouse endpoints of one tier and what the server accepts: the settings it knows and
 * whether it takes query parameters. Both are asked once, at the first query (a server that is down
 * at start-up fails that query as a transient failure, and is asked again at the next one); the
 * endpoints of one tier are taken to be nodes of one cluster, of one version.
 *
 * <p>Attempts go to the endpoints in turn. One that refused a connection goes to the back of the
 * line for {@link #UNREACHABLE_PAUSE}, so that a node that is down costs one refused connection now
 * and then, not one per attempt.
 */
public final class TierClickHouse {

  private static final Logger log = LoggerFactory.getLogger(TierClickHouse.class);

  private static final String OVERFLOW_MODE_SUFFIX = "_overflow_mode";
  private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)");

  /** Query parameters ({@code {name:Type}} in the SQL, {@code param_name} in the URL): 19.11+. */
  private static final int[] PARAMETERS_SINCE = {19, 11};

  private final String tierName;
  private final TierProperties tier;
  private final QueryPolicy policy;

  /** How long an endpoint that refused a connection is tried only after the others. */
  static final Duration UNREACHABLE_PAUSE = Duration.ofSeconds(10);

  private final List<ClickHouseClient> nodes;
  private final long[] unreachableUntil;
  private final AtomicInteger next = new AtomicInteger();
  private volatile Server server;

  /** What the server told when asked. */
  private record Server(String version, Set<String> knownSettings, boolean takesParameters) {}

  public TierClickHouse(String tierName, TierProperties tier, List<ClickHouseClient> nodes) {
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("tier " + tierName + " has no ClickHouse endpoint");
    }
    this.tierName = tierName;
    this.tier = tier;
    this.policy = new QueryPolicy(tierName, tier);
    this.nodes = List.copyOf(nodes);
    this.unreachableUntil = new long[nodes.size()];
  }

  /**
   * The endpoints in the order one attempt should try them: the next in turn first, those that
   * recently refused a connection last.
   */
  public List<ClickHouseClient> candidates() {
    return candidatesFrom(next.getAndIncrement());
  }

  /**
   * The endpoints in the order a query tied to a key (a ClickHouse session) should try them: the
   * same first one for the same key while it is reachable, since a session lives on one node.
   */
  public List<ClickHouseClient> candidates(String affinity) {
    return candidatesFrom(affinity.hashCode());
  }

  private List<ClickHouseClient> candidatesFrom(int turn) {
    int count = nodes.size();
    int start = Math.floorMod(turn, count);
    long now = System.nanoTime();
    List<ClickHouseClient> reachable = new ArrayList<>(count);
    List<ClickHouseClient> unreachable = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int index = (start + i) % count;
      boolean paused;
      synchronized (unreachableUntil) {
        paused = unreachableUntil[index] != 0 && now - unreachableUntil[index] < 0;
      }
      (paused ? unreachable : reachable).add(nodes.get(index));
    }
    reachable.addAll(unreachable);
    return reachable;
  }

  /** The endpoint refused a connection (or did not take it in time). */
  public void unreachable(ClickHouseClient node) {
    int index = nodes.indexOf(node);
    if (index >= 0) {
      synchronized (unreachableUntil) {
        unreachableUntil[index] = System.nanoTime() + UNREACHABLE_PAUSE.toNanos();
      }
    }
  }

  /**
   * Refuses a query that sets or reaches what the tier does not allow (see {@link QueryPolicy}).
   * The API refuses such a query before it queues or runs it; one queued before the tier's lists
   * changed is refused here.
   *
   * @throws QueryRefusedException naming what the tier does not allow
   */
  public void refuseDisallowed(String sql) {
    try {
      policy.check(sql);
    } catch (QueryRefusedException e) {
      throw new QueryRefusedException(e.field(), e.getMessage() + "; the query was not run");
    }
  }

  /**
   * The URL parameters of one query of the tier: the tier's settings with every overflow mode
   * forced to {@code throw} and {@code readonly} on a read-only tier, less those the server does
   * not know, the quota key and the parameters.
   *
   * @param quotaKey sent as the quota key when the tier sends one
   * @param parameters the query's parameters, by name without the {@code param_} prefix
   * @param node the endpoint that will run the query, asked what it knows if no node was yet
   * @throws ClickHouseException when the server cannot be asked what it knows
   * @throws UnsupportedQueryException when the query has parameters the server cannot take
   */
  public Map<String, String> settingsFor(
      String quotaKey, Map<String, String> parameters, ClickHouseClient node) {
    Server known = server(node);
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put(
        TierProperties.MAX_EXECUTION_TIME,
        Long.toString(Math.max(1, tier.maxRunTime().toSeconds())));
    tier.settings().forEach((name, value) -> settings.put(name, value));
    // A "break" (or "any") mode ends a query early with a 200 and a partial result that looks
    // complete: every overflow mode the server has is sent as "throw", whatever the tier says.
    for (String name : known.knownSettings()) {
      if (name.endsWith(OVERFLOW_MODE_SUFFIX)) {
        settings.put(name, "throw");
      }
    }
    // Last, so that it cannot stop the settings before it from being applied (readonly=1 would).
    settings.remove(TierProperties.READONLY);
    tier.readonlySetting().ifPresent(value -> settings.put(TierProperties.READONLY, value));
    settings.keySet().retainAll(known.knownSettings());
    if (tier.sendQuotaKey()) {
      settings.put(ClickHouseClient.QUOTA_KEY, quotaKey);
    }
    if (!parameters.isEmpty()) {
      if (!known.takesParameters()) {
        throw new UnsupportedQueryException(
            "the query has parameters, but ClickHouse "
                + known.version()
                + " of tier "
                + tierName
                + " does not support query parameters (19.11 and later do); the query was not"
                + " run");
      }
      parameters.forEach((name, value) -> settings.put("param_" + name, value));
    }
    return settings;
  }

  /** Whether the tier's server knows a setting; asked of the node if no node was yet. */
  public boolean knows(String setting, ClickHouseClient node) {
    return server(node).knownSettings().contains(setting);
  }

  /** What a query of the tier may set and reach. */
  public QueryPolicy policy() {
    return policy;
  }

  public TierProperties tier() {
    return tier;
  }

  private Server server(ClickHouseClient node) {
    Server known = server;
    if (known == null) {
      // Racing first queries may both ask; the answers are the same.
      String version = node.system().version();
      Set<String> settings = node.system().knownSettings();
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
