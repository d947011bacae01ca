package io.agp.tier;

import io.agp.clickhouse.ClickHouseClient;
import io.agp.clickhouse.ClickHouseEndpoint;
import io.agp.results.ResultCompression;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * One tier: where and how its queries run. Bound from {@code agp.tiers.<name>}.
 *
 * @param clickhouse the ClickHouse server, or the nodes or load balancer of a cluster, of the tier
 * @param settings ClickHouse settings sent with each query, e.g. max_threads or max_memory_usage
 * @param concurrency executions one worker process runs at once for this tier
 * @param maxAttempts attempts before an execution whose worker keeps dying is FAILED
 * @param lease how long a claim stays valid without a heartbeat; a worker renews it at a third
 * @param maxRunTime bound on a query's run time, sent as max_execution_time unless settings say
 * @param resultTtl how long a stored result stays downloadable
 * @param maxResultSize a larger result fails its execution instead of filling the store
 * @param sendQuotaKey send the execution's creator as ClickHouse quota key; the ClickHouse user's
 *     quota must then be keyed by client key, or ClickHouse refuses the queries
 * @param maxRunningPerUser executions of one user that may run at once in this tier, across all
 *     workers; 0 means no limit
 * @param resultCompression how stored results are compressed: none, gzip or zstd
 * @param rowIndexSpacing decoded bytes between two points of the row index stored next to each
 *     result (where a compressed result also starts a new gzip member or zstd frame), which pages
 *     of rows start reading from; 0 stores no index
 * @param heartbeatInterval how often a running execution's lease is renewed; empty means a third of
 *     the lease
 * @param readOnly send {@code readonly=2} with each query, so that ClickHouse refuses writes and
 *     DDL (unless the settings name readonly themselves); false lets the tier's queries write
 * @param lockedSettings settings no query may change even where changeable-settings would let it,
 *     besides {@link #ALWAYS_LOCKED}, which are locked whatever a tier says. A name ending or
 *     starting with {@code *} is a pattern.
 * @param maxPendingPerUser PENDING and RUNNING executions one user may have in this tier at once; a
 *     create beyond is refused (429); 0 means no limit
 * @param progressInterval how often a worker reads the progress of its running queries (one
 *     system.processes query per node for all of them) and records what changed
 * @param readQueryLog whether the bookkeeper completes the figures of ended queries from
 *     system.query_log when ClickHouse's answer did not carry them (the server must log queries,
 *     and the tier's user read system.query_log)
 * @param interactive the limits of the tier's queries run at once through the synchronous run and
 *     the ClickHouse proxy of the API
 * @param changeableSettings the settings a query may change, in its SQL or as URL parameters of the
 *     proxy: names, patterns ({@code output_format_*}), or {@code name<=N} and {@code name<=tier}
 *     for a whole number from 1 to N or to the tier's own value; {@code defaults} stands for {@link
 *     QueryPolicy#DEFAULT_CHANGEABLE_SETTINGS}, which apply when this is not set. A setting the
 *     tier sets itself is changeable only where its own name is listed.
 * @param allowedTableFunctions the table functions a query may call (names or patterns); {@code
 *     defaults} stands for {@link QueryPolicy#DEFAULT_TABLE_FUNCTIONS}, which apply when this is
 *     not set
 * @param allowedSystemTables the tables of database system a query may read (names or patterns,
 *     {@code *} for all); {@code defaults} stands for {@link QueryPolicy#DEFAULT_SYSTEM_TABLES},
 *     the catalogue, which applies when this is not set
 * @param budgets daily budgets of each user of the tier and of the tier as a whole (bytes read,
 *     server time, runs), counted per UTC day; none unless set
 * @param inlineResultSize a result of at most this many stored bytes is kept in its execution's row
 *     instead of the result store, which spares a short query the store's write and its download
 *     the store's read; 0 stores every result; at most {@link #MAX_INLINE_RESULT_SIZE}
 */
public record TierProperties(
    @DefaultValue @Valid ClickHouse clickhouse,
    @DefaultValue Map<String, String> settings,
    @DefaultValue("4") @Min(1) int concurrency,
    @DefaultValue("3") @Min(1) int maxAttempts,
    @DefaultValue("30s") @NotNull Duration lease,
    @DefaultValue("1h") @NotNull Duration maxRunTime,
    @DefaultValue("24h") @NotNull Duration resultTtl,
    @DefaultValue("10GB") @NotNull DataSize maxResultSize,
    @DefaultValue("false") boolean sendQuotaKey,
    @DefaultValue("0") @Min(0) int maxRunningPerUser,
    @DefaultValue("none") @NotNull ResultCompression resultCompression,
    @DefaultValue("256KB") @NotNull DataSize rowIndexSpacing,
    Duration heartbeatInterval,
    @DefaultValue("true") boolean readOnly,
    @DefaultValue List<String> lockedSettings,
    @DefaultValue("0") @Min(0) int maxPendingPerUser,
    @DefaultValue("1s") @NotNull Duration progressInterval,
    @DefaultValue("false") boolean readQueryLog,
    @DefaultValue @Valid @NotNull Interactive interactive,
    List<String> changeableSettings,
    List<String> allowedTableFunctions,
    List<String> allowedSystemTables,
    @DefaultValue @Valid @NotNull Budgets budgets,
    @DefaultValue("16KB") @NotNull DataSize inlineResultSize) {

  /**
   * The most a tier may keep in a row: every read of the row carries it, and every copy of a
   * settled execution in the API's memory.
   */
  public static final DataSize MAX_INLINE_RESULT_SIZE = DataSize.ofKilobytes(256);

  /**
   * Settings no query may set itself, whatever the tier says: they carry the guarantees of the
   * gateway (read-only tiers, a bounded run time, never a silently truncated result, the quota of
   * the caller) rather than a tuning of the tier.
   */
  public static final Set<String> ALWAYS_LOCKED =
      Set.of(
          "readonly",
          "allow_ddl",
          "max_execution_time",
          "max_execution_time_leaf",
          "max_estimated_execution_time",
          "timeout_overflow_mode",
          "quota_key",
          // Applies a whole settings profile, whatever limits that profile sets.
          "profile",
          "*_overflow_mode");

  /** The setting sent to make ClickHouse refuse writes; 2 still lets a query change settings. */
  public static final String READONLY = "readonly";

  public TierProperties {
    settings = settings == null ? Map.of() : Map.copyOf(settings);
    lockedSettings = lockedSettings == null ? List.of() : List.copyOf(lockedSettings);
    changeableSettings = changeableSettings == null ? null : List.copyOf(changeableSettings);
    allowedTableFunctions =
        allowedTableFunctions == null ? null : List.copyOf(allowedTableFunctions);
    allowedSystemTables = allowedSystemTables == null ? null : List.copyOf(allowedSystemTables);
    if (inlineResultSize.isNegative()
        || inlineResultSize.toBytes() > MAX_INLINE_RESULT_SIZE.toBytes()) {
      throw new IllegalArgumentException(
          "inline-result-size is "
              + inlineResultSize
              + ": it is from 0 to "
              + MAX_INLINE_RESULT_SIZE);
    }
    String readonly = settings.get(READONLY);
    if (readOnly && readonly != null && readonly.strip().equals("0")) {
      throw new IllegalArgumentException(
          "settings.readonly is 0 on a read-only tier: set read-only: false to let its queries"
              + " write");
    }
  }

  /**
   * The value of {@code readonly} sent with each query: the tier's own, else 2 on a read-only tier,
   * else none.
   */
  public Optional<String> readonlySetting() {
    String own = settings.get(READONLY);
    if (own != null) {
      return Optional.of(own);
    }
    return readOnly ? Optional.of("2") : Optional.empty();
  }

  private static final Duration MIN_HEARTBEAT = Duration.ofMillis(100);

  /** The shortest progress interval: a round of the whole pool costs a query per node. */
  private static final Duration MIN_PROGRESS_INTERVAL = Duration.ofMillis(100);

  /** The ClickHouse setting that bounds a query's run time, sent from max-run-time by default. */
  public static final String MAX_EXECUTION_TIME = "max_execution_time";

  /** Added to max-run-time for the default read timeout: ClickHouse may overrun it a little. */
  private static final Duration READ_TIMEOUT_MARGIN = Duration.ofMinutes(1);

  /**
   * The longest wait for a byte of a query's answer: the tier's {@code clickhouse.read-timeout}, or
   * else the run time ClickHouse allows a query plus a minute. ClickHouse itself ends a query at
   * that run time, so a longer silence means a frozen server or a connection that died without a
   * reset. Zero (wait for ever) when the settings allow queries to run without end.
   */
  public Duration effectiveReadTimeout() {
    if (clickhouse.readTimeout() != null) {
      return clickhouse.readTimeout();
    }
    Duration runTime = clickHouseRunTime();
    return runTime.isZero() ? Duration.ZERO : runTime.plus(READ_TIMEOUT_MARGIN);
  }

  /**
   * The run time ClickHouse allows the tier's queries: the {@code max_execution_time} of its
   * settings (seconds, 0 for no bound) when they give one, else max-run-time, which is sent as
   * max_execution_time.
   */
  public Duration clickHouseRunTime() {
    String setting = settings.get(MAX_EXECUTION_TIME);
    if (setting == null) {
      return maxRunTime;
    }
    try {
      double seconds = Double.parseDouble(setting.strip());
      return seconds > 0 ? Duration.ofMillis(Math.round(seconds * 1000)) : Duration.ZERO;
    } catch (NumberFormatException e) {
      // ClickHouse refuses such a value with every query; max-run-time is as good a guess.
      return maxRunTime;
    }
  }

  /** A new client of each endpoint, in the order of the endpoints; the caller closes them. */
  public List<ClickHouseClient> newClients() {
    return clickhouse.endpoints().stream()
        .map(
            endpoint ->
                new ClickHouseClient(
                    new ClickHouseEndpoint(
                        endpoint, clickhouse.user(), clickhouse.password(), clickhouse.database()),
                    clickhouse.connectTimeout(),
                    effectiveReadTimeout()))
        .toList();
  }

  /** The interval of progress rounds, at least 100 ms. */
  public Duration effectiveProgressInterval() {
    return progressInterval.compareTo(MIN_PROGRESS_INTERVAL) < 0
        ? MIN_PROGRESS_INTERVAL
        : progressInterval;
  }

  /** The interval of heartbeats (lease renewals). */
  public Duration effectiveHeartbeatInterval() {
    Duration interval = heartbeatInterval != null ? heartbeatInterval : lease.dividedBy(3);
    return interval.compareTo(MIN_HEARTBEAT) < 0 ? MIN_HEARTBEAT : interval;
  }

  /**
   * The interactive queries of a tier: run at once by an API instance, not queued, so bounded per
   * instance. The tier's max-run-time, settings, locked settings and read-only default apply as to
   * its executions.
   *
   * @param concurrency queries of the tier one API instance runs at once for the synchronous run
   *     and the ClickHouse proxy together; beyond, a query is refused with 429. 0 turns both off
   *     for the tier.
   * @param concurrencyPerUser of those, how many one user may run at once, so that ten users share
   *     the default concurrency; 0 means no bound but concurrency
   */
  public record Interactive(
      @DefaultValue("20") @Min(0) int concurrency,
      @DefaultValue("2") @Min(0) int concurrencyPerUser) {}

  /**
   * The daily budgets of a tier, per user and for the tier as a whole, each counted over a UTC day
   * and refused past (429) until the next midnight UTC. A run is an execution created (not one that
   * collapses onto an execution in flight or reuses a result), a synchronous run or a proxy query.
   * A query that is running is never stopped by its own overrun: what it read and the time it took
   * count once the bookkeeper has folded its end into the day's usage.
   *
   * @param user the budget of each user of the tier
   * @param tier the budget of all the tier's users together
   */
  public record Budgets(@DefaultValue @Valid Budget user, @DefaultValue @Valid Budget tier) {

    public Budgets {
      user = user == null ? Budget.NONE : user;
      tier = tier == null ? Budget.NONE : tier;
    }

    /** Whether any budget is set, for a user or for the tier. */
    public boolean any() {
      return user.any() || tier.any();
    }
  }

  /**
   * One daily budget; each figure left out is no budget of that kind.
   *
   * @param bytesRead bytes ClickHouse may read for the day's queries (known once a query ended and
   *     the bookkeeper folded it: agp.bookkeeper.usage.interval late at most); a run is refused
   *     once the day's figure has reached it
   * @param serverTime time ClickHouse may spend on the day's queries, known as late as bytes-read;
   *     a run is refused once the day's figure has reached it
   * @param executions runs that may start in the day: executions created, synchronous runs and
   *     proxy queries; the one past it is refused
   */
  public record Budget(DataSize bytesRead, Duration serverTime, @Min(0) Long executions) {

    /** No budget at all. */
    public static final Budget NONE = new Budget(null, null, null);

    public Budget {
      if (bytesRead != null && bytesRead.toBytes() < 0) {
        throw new IllegalArgumentException("budgets' bytes-read must not be negative");
      }
      if (serverTime != null && serverTime.isNegative()) {
        throw new IllegalArgumentException("budgets' server-time must not be negative");
      }
    }

    /** Whether any figure is set. */
    public boolean any() {
      return bytesRead != null || serverTime != null || executions != null;
    }
  }

  /**
   * @param url the HTTP interface, e.g. http://clickhouse:8123; the default when neither this nor
   *     urls is set is http://localhost:8123
   * @param urls several HTTP interfaces of one cluster, instead of url: each attempt runs on one of
   *     them in turn, skipping for a while one that refused a connection
   * @param database database for unqualified table names
   * @param connectTimeout bound on opening a connection; a timeout counts as a transient failure
   * @param readTimeout bound on waiting for a byte of a query's answer, a transient failure too;
   *     empty means the tier's max-run-time plus a minute
   */
  public record ClickHouse(
      URI url,
      @DefaultValue List<URI> urls,
      @DefaultValue("default") @NotBlank String user,
      @DefaultValue("") String password,
      @DefaultValue("default") @NotBlank String database,
      @DefaultValue("5s") @NotNull Duration connectTimeout,
      Duration readTimeout) {

    private static final URI DEFAULT_URL = URI.create("http://localhost:8123");

    public ClickHouse {
      urls = urls == null ? List.of() : List.copyOf(urls);
      if (url != null && !urls.isEmpty()) {
        throw new IllegalArgumentException(
            "set either clickhouse.url or clickhouse.urls, not both");
      }
    }

    /** The HTTP interfaces of the tier's ClickHouse, at least one. */
    public List<URI> endpoints() {
      if (!urls.isEmpty()) {
        return urls;
      }
      return List.of(url != null ? url : DEFAULT_URL);
    }
  }
}
