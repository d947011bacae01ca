package io.agp.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium driven by Selenium: Debian's {@code chromium} and {@code chromedriver} (which
 * {@code .ci/run} installs), named explicitly so that nothing is looked for or downloaded at run
 * time. A fresh profile each time, and a screenshot of each scenario under {@code
 * target/console-screenshots/}.
 */
final class Browser implements AutoCloseable {

  static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

  private static final String CHROMIUM = System.getProperty("agp.chromium", "/usr/bin/chromium");
  private static final String CHROMEDRIVER =
      System.getProperty("agp.chromedriver", "/usr/bin/chromedriver");

  final ChromeDriver driver;
  private final Path profile;

  private Browser(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  static Browser start() {
    assertThat(new File(CHROMIUM))
        .as("the browser tests need Debian's chromium and chromium-driver (.ci/run installs them)")
        .exists();
    assertThat(new File(CHROMEDRIVER)).as("chromedriver").exists();
    try {
      Path profile = Files.createTempDirectory("agp-chromium");
      ChromeOptions options = new ChromeOptions();
      options.setBinary(CHROMIUM);
      options.addArguments(
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-dev-shm-usage",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
          "--user-data-dir=" + profile,
          "--window-size=1280,800");
      LoggingPreferences logs = new LoggingPreferences();
      logs.enable(LogType.BROWSER, Level.ALL);
      options.setCapability("goog:loggingPrefs", logs);
      ChromeDriverService service =
          new ChromeDriverService.Builder()
              .usingDriverExecutable(new File(CHROMEDRIVER))
              .usingAnyFreePort()
              .build();
      ChromeDriver driver = new ChromeDriver(service, options);
      driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
      return new Browser(driver, profile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void open(URI url) {
    driver.get(url.toString());
  }

  WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /**
   * Waits (up to {@code seconds}) until the condition holds; returns what it returned. The console
   * redraws what changes, so an element found a moment ago may be gone: the condition is then tried
   * again.
   */
  <T> T await(int seconds, ExpectedCondition<T> condition) {
    return new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(100))
        .ignoring(StaleElementReferenceException.class)
        .until(condition);
  }

  /** The text of the element once it is there and not empty. */
  String textOf(String css, int seconds) {
    return await(
        seconds,
        d -> {
          List<WebElement> found = d.findElements(By.cssSelector(css));
          return found.isEmpty() || found.getFirst().getText().isBlank()
              ? null
              : found.getFirst().getText();
        });
  }

  void resize(int width, int height) {
    driver.manage().window().setSize(new Dimension(width, height));
  }

  /** Whether the page is wider than the window (a horizontal scroll bar on the whole page). */
  boolean overflowsHorizontally() {
    return (Boolean)
        ((JavascriptExecutor) driver)
            .executeScript("return document.documentElement.scrollWidth > window.innerWidth + 1;");
  }

  /** Saves a screenshot of the window as {@code target/console-screenshots/<name>.png}. */
  Path screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Path target = SCREENSHOTS.resolve(name + ".png");
      Files.copy(
          driver.getScreenshotAs(OutputType.FILE).toPath(),
          target,
          StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the page logged that says it broke: a script error or a refusal of the CSP. */
  List<String> problemsLogged() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        // An API error the console shows as a problem is logged by Chromium as a failed request.
        .filter(message -> !message.contains("Failed to load resource"))
        .toList();
  }

  @Override
  public void close() {
    driver.quit();
    try (var files = Files.walk(profile)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A leftover temporary profile is harmless.
    }
  }
}
