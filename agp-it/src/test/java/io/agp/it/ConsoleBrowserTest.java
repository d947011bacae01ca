package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The web console in a real browser (headless Chromium) against the API, a worker and ClickHouse,
 * without authentication: what a person does with it, and a screenshot of each scenario.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserTest {

  private final AgpStack stack;
  private final ApiClient client;
  private final Browser browser;

  ConsoleBrowserTest() throws Exception {
    stack =
        AgpStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-console-results").toUri().toString(),
                "agp.tiers.default.progress-interval",
                "300ms"));
    client = new ApiClient(stack::apiUrl);
    browser = Browser.start();
  }

  @AfterEach
  void pageLoggedNoError() {
    assertThat(browser.problemsLogged()).isEmpty();
  }

  @AfterAll
  void stop() {
    browser.close();
    stack.close();
  }

  private void open(String fragment) {
    browser.open(stack.apiUrl("/ui/" + fragment));
  }

  private String status() {
    return browser.textOf("h1 .badge", 10);
  }

  private void awaitStatus(String status, int seconds) {
    browser.await(seconds, ExpectedConditions.textToBe(By.cssSelector("h1 .badge"), status));
  }

  private void run(String sql) {
    open("#/new");
    WebElement editor = browser.await(10, ExpectedConditions.elementToBeClickable(By.id("sql")));
    // The page may still be open from an earlier scenario (a change of the hash does not reload).
    editor.clear();
    editor.sendKeys(sql);
    // Keyboard first: Ctrl-Enter runs the query from the editor.
    editor.sendKeys(Keys.chord(Keys.CONTROL, Keys.ENTER));
    browser.await(15, ExpectedConditions.urlMatches("#/executions/\\d+$"));
  }

  private long shownId() {
    String url = browser.driver.getCurrentUrl();
    return Long.parseLong(url.substring(url.lastIndexOf('/') + 1));
  }

  /** The first cells of the rows shown, top first. */
  private List<String> firstCells() {
    return browser.all("#preview-table tbody tr td:first-child").stream()
        .map(WebElement::getText)
        .toList();
  }

  /** The range shown above the rows, without the digit groups' separators. */
  private String rowsRange() {
    return browser
        .find("#rows-range")
        .getText()
        .replaceAll("(?<=\\d)[,.\\s\u202f\u00a0](?=\\d)", "");
  }

  @Test
  void pagesTheRowsOfAMillionRowResultFromTheRowIndex() throws Exception {
    run("SELECT number, toString(number) AS text\nFROM system.numbers\nLIMIT 1000000");
    awaitStatus("SUCCEEDED", 60);
    browser.await(15, d -> browser.all("#preview-table tbody tr").size() == 100);
    assertThat(firstCells().getFirst()).isEqualTo("0");
    assertThat(browser.find("#rows-prev").isEnabled()).isFalse();

    browser.find("#rows-next").click();
    browser.await(10, d -> firstCells().getFirst().equals("100"));
    assertThat(rowsRange()).isEqualTo("Rows 101–200 of 1000000");

    WebElement row = browser.find("#rows-offset");
    row.clear();
    row.sendKeys("654322", Keys.ENTER);
    browser.await(10, d -> firstCells().getFirst().equals("654321"));
    assertThat(firstCells()).hasSize(100).last().isEqualTo("654420");
    assertThat(rowsRange()).isEqualTo("Rows 654322–654421 of 1000000");
    browser.driver.executeScript("document.getElementById('rows-range').scrollIntoView()");
    browser.screenshot("rows-page-in-the-middle");

    browser.find("#rows-last").click();
    browser.await(10, d -> firstCells().getFirst().equals("999900"));
    assertThat(firstCells()).hasSize(100).last().isEqualTo("999999");
    assertThat(browser.find("#rows-next").isEnabled()).isFalse();
    assertThat(browser.find("#rows-last").isEnabled()).isFalse();

    browser.find("#rows-prev").click();
    browser.await(10, d -> firstCells().getFirst().equals("999800"));
    browser.find("#rows-first").click();
    browser.await(10, d -> firstCells().getFirst().equals("0"));
  }

  @Test
  void runsAQueryAndSeesItSucceedAndPreviewsItsRows() throws Exception {
    run(
        "SELECT number, number * 2 AS double, toString(number) AS text\nFROM system.numbers\nLIMIT 250");

    awaitStatus("SUCCEEDED", 30);
    assertThat(browser.find("#notice").getText()).contains("Created execution");
    browser.await(15, d -> browser.all("#preview-table tbody tr").size() == 100);
    assertThat(browser.all("#preview-table thead th").stream().map(WebElement::getText).toList())
        .hasSize(3)
        .allSatisfy(header -> assertThat(header).isNotBlank());
    assertThat(browser.find("#preview-table thead").getText()).contains("number", "double", "text");
    List<WebElement> firstRow = browser.all("#preview-table tbody tr:nth-child(2) td");
    assertThat(firstRow.stream().map(WebElement::getText).toList()).containsExactly("1", "2", "1");
    assertThat(browser.find("#result").getText()).contains("250", "Rows 1–100 of 250");
    assertThat(browser.find("#columns").getText()).contains("number UInt64", "text String");
    assertThat(browser.find(".sql .sql-keyword").getText()).isEqualTo("SELECT");
    browser.screenshot("run-and-preview");

    // The signed link downloads the whole result without credentials.
    browser.find("#copy-link").click();
    String link =
        browser.await(
            10,
            d -> {
              var field = d.findElements(By.id("signed-link"));
              return field.isEmpty() ? null : field.getFirst().getDomProperty("value");
            });
    assertThat(link).contains("/v1/async/links/" + shownId());
    HttpResponse<String> download =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(link)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(download.statusCode()).isEqualTo(200);
    assertThat(download.body()).contains("\"rows\": 250");

    // On a phone-sized window the page still fits: nothing runs off to the side.
    browser.resize(390, 844);
    try {
      browser.await(5, d -> !browser.overflowsHorizontally());
      browser.screenshot("execution-on-a-phone");
    } finally {
      browser.resize(1280, 800);
    }

    // Run again: the same query in the editor, ready to change and run.
    browser.find("#run-again").click();
    browser.await(10, ExpectedConditions.urlMatches("#/new$"));
    assertThat(browser.find("#sql").getDomProperty("value"))
        .startsWith("SELECT number, number * 2");
  }

  @Test
  void followsALongQuerysProgressAndCancelsIt() {
    String marker = UUID.randomUUID().toString();
    run("SELECT count() FROM numbers(100000000000) WHERE '" + marker + "' != ''");

    awaitStatus("RUNNING", 30);
    String before = browser.textOf("#progress-rows", 15);
    String later =
        browser.await(
            15,
            d -> {
              String now = d.findElement(By.id("progress-rows")).getText();
              return !now.equals(before) && !now.equals("–") ? now : null;
            });
    // The bar fills where ClickHouse knows the total (numbers() on 18.16 does not tell it).
    String tag = browser.await(5, d -> d.findElement(By.id("progress")).getTagName());
    assertThat(tag).isEqualTo("progress");
    assertThat(later).matches("[0-9,.\\s\u202f]+( of .*)?");
    browser.screenshot("long-query-progress");

    // Operators see it among the running executions of its tier, with its user.
    long id = shownId();
    open("#/queues");
    browser.await(10, d -> !browser.all("#running a[href='#/executions/" + id + "']").isEmpty());
    assertThat(browser.textOf("#running", 5)).contains("default");
    assertThat(browser.all(".tier .chart svg")).isNotEmpty();
    browser.screenshot("queues");
    browser.driver.navigate().back();
    awaitStatus("RUNNING", 10);

    browser.find("#cancel").click();
    browser.await(5, ExpectedConditions.visibilityOfElementLocated(By.id("cancel-dialog")));
    browser.find("#confirm-cancel").click();

    awaitStatus("CANCELED", 20);
    assertThat(browser.find("#status").getText()).contains("Canceled");
    assertThat(browser.all("#cancel")).isEmpty();
    assertThat(client.get("/v1/async/executions/" + shownId()).json().get("status").asString())
        .isEqualTo("CANCELED");
  }

  /**
   * A person names a query as they run it: the execution page shows the name, and the list finds it
   * by its name alone, showing the name beside its SQL.
   */
  @Test
  void namesAQueryAndFindsItInTheListByItsName() {
    String name = "revenue by day " + UUID.randomUUID().toString().substring(0, 8);
    open("#/new");
    WebElement editor = browser.await(10, ExpectedConditions.elementToBeClickable(By.id("sql")));
    editor.clear();
    editor.sendKeys("SELECT 'named in the console'");
    WebElement nameField = browser.find("#name");
    nameField.clear();
    nameField.sendKeys(name);
    browser.find("#run").click();
    browser.await(15, ExpectedConditions.urlMatches("#/executions/\\d+$"));
    long id = shownId();
    browser.await(10, d -> browser.find("body").getText().contains(name));
    create("SELECT 'not named', '" + name + "'", Map.of());

    open("#/");
    WebElement filter = browser.await(10, ExpectedConditions.elementToBeClickable(By.id("f-name")));
    filter.sendKeys(name);
    filter.sendKeys(Keys.ENTER);
    browser.await(10, d -> rowIds().equals(List.of(id)));
    assertThat(browser.find("tr[data-id='" + id + "'] .execution-name").getText()).isEqualTo(name);
    browser.screenshot("list-by-name");
  }

  @Test
  void filtersTheListAndSeesNewExecutionsAndTheirEndWithoutReloading() {
    String suite = UUID.randomUUID().toString().substring(0, 8);
    long[] ours = new long[2];
    for (int i = 0; i < 2; i++) {
      ours[i] = create("SELECT " + i + " AS n, '" + suite + "'", Map.of("suite", suite));
    }
    long other = create("SELECT 'other', '" + suite + "'", Map.of("suite", "other-" + suite));

    open("#/");
    WebElement label = browser.await(10, ExpectedConditions.elementToBeClickable(By.id("f-label")));
    label.sendKeys("suite=" + suite);
    label.sendKeys(Keys.ENTER);
    browser.await(10, d -> rowIds().size() == 2);
    assertThat(rowIds()).containsExactly(ours[1], ours[0]).doesNotContain(other);

    // A new execution that matches appears on top, and its end shows, without a reload.
    String marker = UUID.randomUUID().toString();
    long running =
        create(
            "SELECT count() FROM numbers(100000000000) WHERE '" + marker + "' != ''",
            Map.of("suite", suite));
    browser.await(10, d -> !rowIds().isEmpty() && rowIds().getFirst() == running);
    browser.await(20, d -> rowStatus(running).equals("RUNNING"));
    browser.screenshot("list-filtered");
    assertThat(client.post("/v1/async/executions/" + running + "/cancel").status()).isEqualTo(200);
    browser.await(10, d -> rowStatus(running).equals("CANCELED"));

    // A status that none of them has: an empty list that says so.
    browser.find("input[name=status][value=FAILED]").click();
    browser.find("#filters button[type=submit]").click();
    browser.await(
        10,
        d -> rowIds().isEmpty() && browser.find("#list-status").getText().contains("No execution"));
  }

  @Test
  void aFailedQueryShowsClickHousesMessageAndABadRequestTheProblem() {
    run("SELECT * FROM no_such_table_of_the_console");

    awaitStatus("FAILED", 30);
    String error = browser.textOf("#execution-error", 10);
    assertThat(error).contains("The query failed", "no_such_table_of_the_console", "doesn't exist");
    browser.screenshot("failed-query");

    // An error of the API is its problem's title and detail, not JSON.
    open("#/new");
    browser.await(10, ExpectedConditions.elementToBeClickable(By.id("sql"))).sendKeys("SELECT 1");
    browser.find("#tier").sendKeys("no-such-tier");
    browser.find("#run").click();
    String problem = browser.textOf("#create-errors .problem", 10);
    assertThat(problem).contains("Bad Request", "no-such-tier").doesNotContain("{", "\"status\"");
    assertThat(browser.find("#tier").getDomAttribute("aria-invalid")).isEqualTo("true");
  }

  private long create(String sql, Map<String, String> labels) {
    StringBuilder json = new StringBuilder("{\"sql\": \"" + sql + "\", \"labels\": {");
    labels.forEach((k, v) -> json.append('"').append(k).append("\": \"").append(v).append("\""));
    json.append("}}");
    ApiClient.Reply reply = client.postJson("/v1/async/executions", json.toString());
    assertThat(reply.status()).isEqualTo(201);
    return reply.json().get("id").asLong();
  }

  /** The ids of the rows shown, top first (read in the page: rows are replaced as they change). */
  private List<Long> rowIds() {
    List<?> ids =
        (List<?>)
            browser.driver.executeScript(
                "return [...document.querySelectorAll('#executions tr')].map(r => r.dataset.id);");
    return ids.stream().map(id -> Long.parseLong((String) id)).toList();
  }

  private String rowStatus(long id) {
    Object status =
        browser.driver.executeScript(
            "const r = document.querySelector('#executions tr[data-id=\"' + arguments[0] + '\"]');"
                + " return r ? r.dataset.status : '';",
            id);
    return (String) status;
  }
}
