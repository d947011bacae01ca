package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The Swagger UI in a real browser (headless Chromium): it shows the three APIs, and a person can
 * try the synchronous run from it and read the rows ClickHouse returned.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SwaggerUiBrowserTest {

  private final AgpStack stack;
  private final Browser browser;

  SwaggerUiBrowserTest() throws Exception {
    stack =
        AgpStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-swagger-results").toUri().toString()));
    browser = Browser.start();
  }

  @AfterAll
  void stop() {
    browser.close();
    stack.close();
  }

  @Test
  void showsTheThreeApisAndRunsAQueryFromTheSyncRun() {
    browser.open(stack.apiUrl("/v1/async/docs/"));
    for (String tag : new String[] {"executions", "sync", "chproxy"}) {
      browser.await(
          20, ExpectedConditions.presenceOfElementLocated(By.id("operations-tag-" + tag)));
    }
    WebElement run =
        browser.await(
            10,
            ExpectedConditions.elementToBeClickable(By.cssSelector("#operations-sync-runQuery")));
    run.findElement(By.cssSelector(".opblock-summary")).click();
    browser
        .await(
            10,
            ExpectedConditions.elementToBeClickable(
                By.cssSelector("#operations-sync-runQuery .try-out__btn")))
        .click();
    WebElement body =
        browser.await(
            10,
            ExpectedConditions.elementToBeClickable(
                By.cssSelector("#operations-sync-runQuery textarea.body-param__text")));
    body.clear();
    body.sendKeys("SELECT 6 * 7 AS answer");
    browser.find("#operations-sync-runQuery .execute").click();
    String shown =
        browser.textOf(
            "#operations-sync-runQuery .live-responses-table .response-col_description pre", 20);
    ((JavascriptExecutor) browser.driver)
        .executeScript(
            "arguments[0].scrollIntoView({block: 'center'});",
            browser.find("#operations-sync-runQuery .live-responses-table"));
    browser.screenshot("swagger-ui-sync-run");
    assertThat(shown).contains("\"answer\": 42").doesNotContain("event:");
    assertThat(
            browser
                .find("#operations-sync-runQuery .live-responses-table tbody .response-col_status")
                .getText())
        .isEqualTo("200");
  }
}
