package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.agp.usage.UsageRollups;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.WebElement;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The console's usage page in a real browser, with JWT authentication: two users run real
 * executions, their usage is folded into the rollups, and each sees only their own days, figures
 * and budgets, while an admin sees both users ranked by what they read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageConsoleBrowserTest {

  private static final String SECRET = "the token secret of the usage console test, 32+ bytes";
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final DateTimeFormatter MONTH_DAY = DateTimeFormatter.ofPattern("MM-dd");
  private static final DateTimeFormatter HOUR =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:00").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter HOUR_LABEL =
      DateTimeFormatter.ofPattern("HH:00 MM-dd").withZone(ZoneOffset.UTC);

  private final HttpClient http = HttpClient.newHttpClient();
  private final AgpStack stack;
  private final Browser browser;
  private final String alice = token("alice", false);
  private final String bob = token("bob", false);
  private final String admin = token("dana", true);
  private final LocalDate today = LocalDate.now(ZoneOffset.UTC);
  private final String range = "from=" + today.minusDays(6) + "&to=" + today;

  UsageConsoleBrowserTest() throws Exception {
    stack =
        AgpStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-usage-console-results").toUri().toString(),
                "agp.api.auth.mode",
                "jwt",
                "agp.api.auth.jwt-secret",
                SECRET,
                // ClickHouse 18.16 sends no summary: the figures come from its query log, which
                // the server writes a few seconds after a query ends.
                "agp.tiers.default.settings.log_queries",
                "1",
                "agp.tiers.default.read-query-log",
                "true",
                "agp.bookkeeper.query-log.interval",
                "500ms",
                // Budgets with room for the test's runs, so that the page has bars to draw.
                "agp.tiers.default.budgets.user.executions",
                "50",
                "agp.tiers.default.budgets.user.bytes-read",
                "10GB",
                "agp.tiers.default.budgets.tier.server-time",
                "1h"));
    browser = Browser.start();
  }

  @AfterAll
  void stop() {
    browser.close();
    stack.close();
  }

  /** Alice reads much more than Bob; both usages are folded before the page is opened. */
  @BeforeAll
  void runQueriesOfTwoUsers() {
    for (int i = 0; i < 3; i++) {
      assertThat(run(alice, "SELECT sum(number) FROM numbers(2000000) WHERE number % 7 = " + i))
          .isEqualTo("SUCCEEDED");
    }
    assertThat(run(bob, "SELECT sum(number) FROM numbers(1000)")).isEqualTo("SUCCEEDED");
    UsageRollups rollups = stack.apiBean(UsageRollups.class);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              rollups.rollUp(1000);
              JsonNode users = usage(admin, range + "&group_by=user").get("rows");
              assertThat(users).hasSize(2);
              for (JsonNode row : users) {
                boolean ofAlice = row.get("user").asString().equals("alice");
                assertThat(row.get("executions").asLong()).isEqualTo(ofAlice ? 3 : 1);
                // More than a MiB each for Alice, a few KiB for Bob: the ranking is not a tie.
                assertThat(row.get("read_bytes").asLong())
                    .isBetween(ofAlice ? 3L << 20 : 1L, ofAlice ? Long.MAX_VALUE : 1L << 20);
              }
            });
  }

  @Test
  void aUserSeesOnlyTheirOwnDaysAndTheTotalsTheApiGives() {
    JsonNode days = usage(alice, range + "&group_by=day&user=alice").get("rows");
    // A row per day, tier and user: the page adds a day's rows up.
    SortedSet<String> daysWithData = new TreeSet<>();
    long executions = 0;
    long readBytes = 0;
    for (JsonNode row : days) {
      daysWithData.add(row.get("day").asString());
      executions += row.get("executions").asLong();
      readBytes += row.get("read_bytes").asLong();
    }
    assertThat(executions).as("Alice's own executions, not Bob's").isEqualTo(3);

    signIn(alice, "#/usage");
    browser.await(10, d -> !browser.all("#usage-total").isEmpty());
    assertThat(browser.textOf("#who-user", 5)).isEqualTo("alice");
    assertThat(browser.find("a[data-nav='usage']").getAttribute("aria-current")).isEqualTo("page");
    assertThat(attributes("#usage-days tbody tr", "data-day"))
        .containsExactlyElementsOf(daysWithData);
    for (String chart : List.of("#chart-read_bytes", "#chart-server_seconds")) {
      assertThat(attributes(chart + " rect.usage-bar", "data-day"))
          .as("one bar per day with data in " + chart)
          .containsExactlyInAnyOrderElementsOf(daysWithData);
      assertThat(browser.find(chart + " svg").getAttribute("aria-label")).contains("in all");
      List<String> labels = labelLines(chart + " .slot-label");
      assertThat(labels)
          .as("the days under " + chart)
          .hasSizeBetween(3, 5)
          .startsWith(today.minusDays(6).format(MONTH_DAY))
          .endsWith(today.format(MONTH_DAY));
    }
    assertThat(total("executions")).isEqualTo(executions);
    assertThat(total("read_bytes")).isEqualTo(readBytes);
    assertThat(browser.find("#usage-total").getText())
        .containsPattern("\\d(\\.\\d)? (KiB|MiB|GiB)");
    // Today's budgets: Alice started three runs of her fifty; the tier's server time is shared.
    assertThat(
            browser.find("#own-budgets li[data-budget='executions'][data-scope='user']").getText())
        .contains("3 of 50", "47 left");
    assertThat(browser.all("#own-budgets li[data-budget='bytes_read'][data-scope='user']"))
        .hasSize(1);
    assertThat(browser.all("#own-budgets li[data-budget='server_seconds'][data-scope='tier']"))
        .hasSize(1);
    // Every field has a label, every bar of a budget says its figures in words.
    assertThat(
            (List<?>)
                browser.driver.executeScript(
                    "return [...document.querySelectorAll('#main input')]"
                        + ".filter(i => !i.labels.length).map(i => i.id);"))
        .isEmpty();
    assertThat(
            browser
                .find("#own-budgets li[data-budget='executions'] progress")
                .getAttribute("aria-valuetext"))
        .contains("3 of 50");
    // Not an admin: nothing of the others.
    assertThat(browser.all("#all-usage")).isEmpty();
    assertThat(browser.find("#main").getText()).doesNotContain("bob");
    screenshotOfTheWholePage("usage-user");
    assertThat(browser.problemsLogged()).isEmpty();
  }

  @Test
  void dayLabelsStayApartOverNinetyDaysOnAPhone() {
    signIn(alice, "#/usage?from=" + today.minusDays(89) + "&to=" + today);
    browser.resize(360, 800);
    try {
      browser.await(10, d -> !browser.all("#chart-read_bytes .slot-label").isEmpty());
      for (String chart : List.of("#chart-read_bytes", "#chart-server_seconds")) {
        assertThat(labelLines(chart + " .slot-label"))
            .hasSizeBetween(3, 5)
            .startsWith(today.minusDays(89).format(MONTH_DAY))
            .endsWith(today.format(MONTH_DAY));
        // Each label inside the chart's width and clear of the next one, as drawn.
        assertThat(
                (List<?>)
                    browser.driver.executeScript(
                        "const box = document.querySelector(arguments[0] + ' svg.slot-labels')"
                            + ".getBoundingClientRect();"
                            + "const labels = [...document.querySelectorAll(arguments[0]"
                            + " + ' .slot-label')].map(t => t.getBoundingClientRect());"
                            + "const wrong = [];"
                            + "labels.forEach((r, i) => {"
                            + "  if (r.width < 10) wrong.push('label ' + i + ' has no width');"
                            + "  if (r.left < box.left - 0.5 || r.right > box.right + 0.5)"
                            + "    wrong.push('label ' + i + ' outside the chart');"
                            + "  if (i > 0 && r.left < labels[i - 1].right + 2)"
                            + "    wrong.push('label ' + i + ' touches the one before');"
                            + "});"
                            + "return wrong;",
                        chart))
            .as("labels of " + chart + " at 360 px")
            .isEmpty();
      }
    } finally {
      browser.resize(1280, 800);
    }
    assertThat(browser.problemsLogged()).isEmpty();
  }

  @Test
  void aUserSwitchesToTheLast48HoursAndSeesTheHoursTheApiGives() {
    Instant hourBefore = Instant.now().truncatedTo(ChronoUnit.HOURS);
    // The API's rows per hour, tier and user, added up per hour as the page does.
    Map<String, long[]> perHour = new TreeMap<>();
    Map<String, Double> serverSeconds = new TreeMap<>();
    JsonNode hours =
        usage(
                alice,
                "from="
                    + today.minusDays(2)
                    + "&to="
                    + today
                    + "&granularity=hour&group_by=day&user=alice")
            .get("rows");
    for (JsonNode row : hours) {
      assertThat(row.get("day").isNull()).isTrue();
      String hour = row.get("hour").asString();
      long[] sums = perHour.computeIfAbsent(hour, h -> new long[2]);
      sums[0] += row.get("executions").asLong();
      sums[1] += row.get("read_bytes").asLong();
      serverSeconds.merge(hour, row.get("server_seconds").asDouble(), Double::sum);
    }
    assertThat(perHour.values().stream().mapToLong(sums -> sums[0]).sum())
        .as("Alice's executions of the last hours")
        .isEqualTo(3);

    signIn(alice, "#/usage?" + range);
    browser.await(10, d -> !browser.all("#usage-days").isEmpty());
    assertThat(browser.find("a[data-view='days']").getAttribute("aria-current")).isEqualTo("true");
    browser.find("a[data-view='hours']").click();
    browser.await(10, d -> !browser.all("#usage-hours").isEmpty());
    Instant hourAfter = Instant.now().truncatedTo(ChronoUnit.HOURS);
    assertThat((String) browser.driver.executeScript("return location.hash;"))
        .contains("view=hours", "from=" + today.minusDays(6));
    assertThat(browser.find("a[data-view='hours']").getAttribute("aria-current")).isEqualTo("true");
    assertThat(browser.all("#usage-days")).isEmpty();

    assertThat(attributes("#usage-hours tbody tr", "data-hour"))
        .containsExactlyElementsOf(perHour.keySet());
    for (Map.Entry<String, long[]> hour : perHour.entrySet()) {
      String row = "#usage-hours tbody tr[data-hour='" + hour.getKey() + "']";
      assertThat(browser.find(row + " th").getText())
          .isEqualTo(HOUR.format(Instant.parse(hour.getKey())));
      assertThat(value(row, "executions")).isEqualTo(hour.getValue()[0]);
      assertThat(value(row, "read_bytes")).isEqualTo(hour.getValue()[1]);
      assertThat(
              Double.parseDouble(
                  browser
                      .find(row + " td[data-field='server_seconds']")
                      .getAttribute("data-value")))
          .isCloseTo(serverSeconds.get(hour.getKey()), offset(1e-9));
    }
    assertThat(total("executions")).isEqualTo(3);
    assertThat(total("read_bytes"))
        .isEqualTo(perHour.values().stream().mapToLong(sums -> sums[1]).sum());

    for (String chart : List.of("#chart-read_bytes", "#chart-server_seconds")) {
      assertThat(attributes(chart + " rect.usage-bar", "data-hour"))
          .as("one bar per hour with data in " + chart)
          .containsExactlyInAnyOrderElementsOf(perHour.keySet());
      assertThat(browser.find(chart + " svg").getAttribute("aria-label"))
          .contains("over 48 hours", perHour.size() + " hours with usage");
      // The 48 hours up to the one the page was drawn in, labelled by hour and day.
      List<String> slots = attributes(chart + " .slot-label", "data-slot");
      // The page may have been drawn either side of the turn of an hour.
      Instant last = HOUR.format(hourAfter).equals(slots.getLast()) ? hourAfter : hourBefore;
      assertThat(slots)
          .hasSize(5)
          .startsWith(HOUR.format(last.minus(47, ChronoUnit.HOURS)))
          .endsWith(HOUR.format(last));
      assertThat(labelLines(chart + " .slot-label"))
          .startsWith(HOUR_LABEL.format(last.minus(47, ChronoUnit.HOURS)))
          .endsWith(HOUR_LABEL.format(last));
    }
    screenshotOfTheWholePage("usage-user-hours");

    browser.find("a[data-view='days']").click();
    browser.await(10, d -> !browser.all("#usage-days").isEmpty());
    assertThat((String) browser.driver.executeScript("return location.hash;"))
        .doesNotContain("view=");
    assertThat(browser.problemsLogged()).isEmpty();
  }

  @Test
  void anAdminSeesTheTopUsersInOrderOfBytesRead() {
    signIn(admin, "#/usage");
    browser.await(10, d -> !browser.all("#top-users-read_bytes tbody tr").isEmpty());
    assertThat(attributes("#top-users-read_bytes tbody tr", "data-name"))
        .containsExactly("alice", "bob");
    // The admin's own usage: none.
    assertThat(browser.textOf("#usage-empty", 10)).isEqualTo("No usage in this range.");
    assertThat(attributes("#top-users-server_seconds tbody tr", "data-name"))
        .containsExactlyElementsOf(
            names(usage(admin, range + "&group_by=user&top=10&order_by=server_seconds")));
    assertThat(attributes("#top-tiers-read_bytes tbody tr", "data-name"))
        .containsExactly("default");
    assertThat(browser.all("#top-users-read_bytes svg rect.usage-bar")).hasSize(2);
    // The first of each ranking has the full-length bar, even when its figure is a fraction.
    List<String> byBytes = attributes("#top-users-read_bytes svg rect.usage-bar", "width");
    List<String> byTime = attributes("#top-users-server_seconds svg rect.usage-bar", "width");
    assertThat(byTime.getFirst()).isEqualTo(byBytes.getFirst());
    assertThat(Double.parseDouble(byBytes.get(1))).isLessThan(Double.parseDouble(byBytes.get(0)));
    assertThat(browser.find("#top-users-read_bytes svg").getAttribute("aria-label"))
        .matches("Top users by bytes read: alice .*, bob .*\\.");

    // Any user's budgets, chosen by name.
    WebElement user = browser.find("#u-budget-user");
    user.sendKeys("bob");
    browser.find("#budget-user-form button[type=submit]").click();
    browser.await(10, d -> browser.find("#user-budgets h3").getText().contains("bob"));
    browser.await(10, d -> !browser.all("#user-budgets li[data-budget='executions']").isEmpty());
    assertThat(
            browser.find("#user-budgets li[data-budget='executions'][data-scope='user']").getText())
        .contains("1 of 50");
    screenshotOfTheWholePage("usage-admin");
    assertThat(browser.problemsLogged()).isEmpty();
  }

  private void signIn(String token, String view) {
    browser.open(stack.apiUrl("/ui/"));
    browser.driver.executeScript(
        "sessionStorage.clear(); sessionStorage.setItem('agp.token', arguments[0]);", token);
    browser.open(URI.create("about:blank"));
    browser.open(stack.apiUrl("/ui/" + view));
  }

  /** The page is longer than the window: a taller window shows all of it. */
  private void screenshotOfTheWholePage(String name) {
    browser.resize(1280, 1900);
    try {
      browser.screenshot(name);
    } finally {
      browser.resize(1280, 800);
    }
  }

  private List<String> attributes(String css, String attribute) {
    return browser.all(css).stream().map(e -> e.getAttribute(attribute)).toList();
  }

  /** The lines of each label (SVG text of tspans), a space between them. */
  private List<String> labelLines(String css) {
    List<?> labels =
        (List<?>)
            browser.driver.executeScript(
                "return [...document.querySelectorAll(arguments[0])].map(t =>"
                    + " [...t.querySelectorAll('tspan')].map(s => s.textContent).join(' '));",
                css);
    return labels.stream().map(String.class::cast).toList();
  }

  private long value(String row, String field) {
    return Long.parseLong(
        browser.find(row + " td[data-field='" + field + "']").getAttribute("data-value"));
  }

  private long total(String field) {
    return Long.parseLong(
        browser.find("#usage-total td[data-field='" + field + "']").getAttribute("data-value"));
  }

  private static List<String> names(JsonNode usage) {
    List<String> names = new ArrayList<>();
    for (JsonNode row : usage.get("rows")) {
      names.add(row.get("user").asString());
    }
    return names;
  }

  private static String token(String user, boolean admin) {
    try {
      JWTClaimsSet.Builder claims =
          new JWTClaimsSet.Builder()
              .subject(user)
              .expirationTime(Date.from(Instant.now().plusSeconds(900)));
      if (admin) {
        claims.claim("roles", List.of("admin"));
      }
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
      jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String run(String token, String sql) {
    return send(
            HttpRequest.newBuilder(stack.apiUrl("/v1/async/executions?wait=30"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(sql))
                .build(),
            201)
        .get("status")
        .asString();
  }

  private JsonNode usage(String token, String query) {
    return send(
        HttpRequest.newBuilder(stack.apiUrl("/v1/usage?" + query))
            .header("Authorization", "Bearer " + token)
            .GET()
            .build(),
        200);
  }

  private JsonNode send(HttpRequest request, int expected) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(expected);
      return JSON.readTree(response.body());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
