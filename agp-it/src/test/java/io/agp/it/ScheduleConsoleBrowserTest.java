package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The console's schedules page in a real browser (headless Chromium) against the API, the
 * bookkeeper that runs the schedules and a worker: make a schedule, see its run, pause, resume and
 * delete it, and a refusal shown as the problem. Screenshots go to {@code
 * target/console-screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScheduleConsoleBrowserTest {

  private final AgpStack stack;
  private final Browser browser;

  ScheduleConsoleBrowserTest() throws Exception {
    stack =
        AgpStack.start(
            Map.of(
                "agp.results.location",
                Files.createTempDirectory("agp-console-results").toUri().toString(),
                "agp.bookkeeper.schedules.interval",
                "200ms"));
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

  /** Loads the page afresh: a change of the hash alone would keep the last scenario's form. */
  private void openSchedules() {
    browser.driver.get("about:blank");
    browser.open(stack.apiUrl("/ui/#/schedules"));
  }

  private WebElement row(String id) {
    return browser.find("#schedules tr[data-schedule=\"" + id + "\"]");
  }

  @Test
  void makesAScheduleSeesItsRunPausesResumesAndDeletesIt() {
    openSchedules();
    browser.await(
        10, ExpectedConditions.textToBePresentInElementLocated(By.id("schedules-status"), "No"));

    browser.find("#s-sql").sendKeys("SELECT 'a chart of the console' AS title");
    browser.find("#s-name").sendKeys("console chart");
    WebElement every = browser.find("#s-every");
    every.clear();
    every.sendKeys("15");
    browser.find("#create-schedule").click();
    browser.await(
        10,
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("schedules-status"), "Created schedule"));
    String id = browser.find("#schedules tr").getDomAttribute("data-schedule");
    assertThat(row(id).getText()).contains("console chart", "every 15 min");

    // The bookkeeper runs it at once and a worker runs the query: the page, read again every ten
    // seconds, shows the last run.
    browser.await(
        60,
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector("#schedules tr[data-schedule=\"" + id + "\"] .last-run"), "SUCCEEDED"));
    assertThat(row(id).findElement(By.cssSelector(".last-run a")).getText()).matches("#\\d+");
    browser.screenshot("schedules");

    row(id).findElement(By.cssSelector("[data-action=pause]")).click();
    browser.await(
        10,
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector("#schedules tr[data-schedule=\"" + id + "\"] .next-run"), "PAUSED"));
    browser.screenshot("schedules-paused");
    row(id).findElement(By.cssSelector("[data-action=resume]")).click();
    browser.await(
        10,
        d ->
            !row(id).findElement(By.cssSelector(".next-run")).getText().contains("PAUSED")
                && row(id).findElements(By.cssSelector("[data-action=pause]")).size() == 1);

    row(id).findElement(By.cssSelector("[data-action=delete]")).click();
    browser.await(5, ExpectedConditions.alertIsPresent()).accept();
    browser.await(10, d -> browser.all("#schedules tr[data-schedule=\"" + id + "\"]").isEmpty());
    assertThat(browser.find("#schedules-status").getText()).contains("deleted");
  }

  @Test
  void aBadCronExpressionShowsTheProblemAtItsField() {
    openSchedules();
    browser.await(10, ExpectedConditions.elementToBeClickable(By.id("s-sql"))).sendKeys("SELECT 1");
    new Select(browser.find("#s-kind")).selectByValue("cron");
    browser.await(5, ExpectedConditions.visibilityOfElementLocated(By.id("s-cron")));
    browser.find("#s-cron").sendKeys("every morning");
    browser.find("#create-schedule").click();

    String problem = browser.textOf("#create-schedule-errors .problem", 10);
    assertThat(problem).contains("Bad Request", "cron").doesNotContain("{", "\"status\"");
    assertThat(browser.find("#s-cron").getDomAttribute("aria-invalid")).isEqualTo("true");
    browser.screenshot("schedules-bad-cron");
  }
}
