package dev.spool.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * The dashboard in a real headless Chromium driven by Selenium: counts change on the page while
 * messages are pushed through the API (without a reload), dead letters are redriven from the page (one selected, then all),
 * a purge asks for confirmation, settings errors appear next to their field, and the page fits a
 * phone's width. Screenshots go to {@code target/dashboard-screenshots/}.
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver} (or {@code CHROMIUM_BIN} and
 * {@code CHROMEDRIVER_BIN}); without them every test is skipped with a message saying so.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DashboardBrowserTest {
    private static final Path SHOTS = Path.of("target", "dashboard-screenshots");

    /** Why the tests are skipped; null when the browser is there. */
    private static String missing;
    private static SpoolServer server;
    private static ChromeDriver browser;
    private static WebDriverWait wait;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Every message gets its own key: messages sharing a key are ready one at a time. */
    private static final java.util.concurrent.atomic.AtomicLong KEYS = new java.util.concurrent.atomic.AtomicLong();

    @BeforeAll
    static void start() throws Exception {
        Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM_BIN", "/usr/bin/chromium"));
        Path driver = Path.of(System.getenv().getOrDefault("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"));
        if (!Files.isExecutable(chromium) || !Files.isExecutable(driver)) {
            missing = "SKIPPED: the browser test needs " + chromium + " and " + driver
                    + " (apt-get install -y chromium chromium-driver, or set CHROMIUM_BIN/CHROMEDRIVER_BIN)";
            System.err.println(missing);
            return;
        }
        Path data = Files.createTempDirectory("spool-dashboard");
        ServerConfig d = ServerConfig.ephemeralMemory();
        server = SpoolServer.start(d.withStorage(d.storage().withStorage(ServerConfig.Storage.JOURNAL).withDataDir(data)))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        ChromeOptions options = new ChromeOptions().setBinary(chromium.toFile());
        // no sandbox as root; no background networking: this machine's network is closed
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,1000", "--lang=en-US",
                "--user-data-dir=" + Files.createTempDirectory("spool-chromium"));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(15));
        Files.createDirectories(SHOTS);
    }

    /** Each test, not the class, is skipped: Surefire counts and reports skipped tests, not an aborted class. */
    @BeforeEach
    void needsABrowser() {
        Assumptions.assumeTrue(missing == null, missing);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Order(1)
    void shouldShowCountsChangeLiveWhenMessagesArePushedThroughTheApi() throws Exception {
        browser.get(server.url() + "/ui/");
        wait.until(ExpectedConditions.textToBe(By.cssSelector("[data-test=health]"), "ready"));
        js("window.__notReloaded = true");
        push("orders", 3);
        waitForCell("orders", "ready", "3");
        push("orders", 2);
        waitForCell("orders", "ready", "5");
        makeDeadLetters("payments", 2);
        waitForCell("payments", "dead", "2");
        assertThat(js("return window.__notReloaded === true")).isEqualTo(true);
        assertThat(text("[data-test=storage-kind] .value")).isEqualTo("journal");
        assertThat(Integer.parseInt(text("[data-test=segments] .value"))).isPositive();
        shot("01-overview");
    }

    @Test
    @Order(2)
    void shouldRedriveSelectedThenAllDeadLettersFromTheQueuePage() throws Exception {
        browser.get(server.url() + "/ui/#/q/payments");
        waitForFigure("dead", "2");
        browser.findElement(By.cssSelector("button.tab[data-state=dead]")).click();
        wait.until(d -> d.findElements(By.cssSelector("tbody[data-test=messages] tr[data-id]")).size() == 2);
        shot("02-queue-dead-letters");
        browser.findElement(By.cssSelector("tbody[data-test=messages] tr[data-id] input[data-test=pick]")).click();
        WebElement selected = browser.findElement(By.cssSelector("[data-test=redrive-selected]"));
        assertThat(selected.getText()).isEqualTo("Redrive 1 selected");
        selected.click();
        waitForFigure("ready", "1");
        waitForFigure("dead", "1");
        wait.until(d -> d.findElements(By.cssSelector("tbody[data-test=messages] tr[data-id]")).size() == 1);
        browser.findElement(By.cssSelector("[data-test=redrive]")).click();
        waitForFigure("ready", "2");
        waitForFigure("dead", "0");
        assertThat(api("GET", "/v1/queues/payments", null)).contains("\"ready\":2").contains("\"dead\":0");
    }

    @Test
    @Order(3)
    void shouldShowTheTaskViewOfAMessage() throws Exception {
        browser.findElement(By.cssSelector("button.tab[data-state=ready]")).click();
        wait.until(d -> d.findElements(By.cssSelector("tbody[data-test=messages] tr[data-id]")).size() == 2);
        WebElement row = browser.findElement(By.cssSelector("tbody[data-test=messages] tr[data-id]"));
        String id = row.getAttribute("data-id");
        assertThat(row.findElement(By.cssSelector("td.payload")).getText()).contains("\"n\":");
        row.click();
        WebElement task = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("dialog[data-test=task]")));
        assertThat(task.getText()).contains(id).contains("ready").contains("\"n\"");
        shot("03-task-view");
        task.findElement(By.cssSelector("button[value=close]")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("dialog[data-test=task]"), 0));

        String other = browser.findElements(By.cssSelector("tbody[data-test=messages] tr[data-id]")).get(1).getAttribute("data-id");
        browser.findElement(By.cssSelector("[data-test=lookup-id]")).sendKeys(other);
        browser.findElement(By.cssSelector("[data-test=lookup]")).click();
        WebElement looked = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("dialog[data-test=task]")));
        assertThat(looked.getText()).contains(other);
        looked.findElement(By.cssSelector("button[value=close]")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("dialog[data-test=task]"), 0));
    }

    @Test
    @Order(4)
    void shouldShowAValidationErrorNextToTheField() throws Exception {
        WebElement field = browser.findElement(By.id("f-max_attempts"));
        field.clear();
        field.sendKeys("-1");
        browser.findElement(By.cssSelector("[data-test=save-settings]")).click();
        WebElement error = browser.findElement(By.cssSelector("[data-error-for=max_attempts]"));
        wait.until(d -> !error.getText().isEmpty());
        assertThat(error.getText()).contains("must be between");
        assertThat(field.getAttribute("aria-invalid")).isEqualTo("true");
        shot("04-settings-error");
        field.clear();
        field.sendKeys("3");
        browser.findElement(By.cssSelector("[data-test=save-settings]")).click();
        wait.until(d -> error.getText().isEmpty());
        wait.until(d -> api("GET", "/v1/queues/payments", null).contains("\"max_attempts\":3"));
    }

    @Test
    @Order(5)
    void shouldPurgeOnlyAfterConfirmation() throws Exception {
        js("window.scrollTo(0, 0)"); // the settings form left the page scrolled under the sticky header
        browser.findElement(By.cssSelector("[data-test=purge]")).click();
        WebElement dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("dialog[data-test=confirm]")));
        shot("05-purge-confirmation");
        dialog.findElement(By.cssSelector("[data-test=confirm-cancel]")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("dialog[data-test=confirm]"), 0));
        assertThat(api("GET", "/v1/queues/payments", null)).contains("\"ready\":2");

        browser.findElement(By.cssSelector("[data-test=purge]")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-test=confirm-ok]"))).click();
        waitForFigure("ready", "0");
        assertThat(api("GET", "/v1/queues/payments", null)).contains("\"ready\":0");
    }

    @Test
    @Order(6)
    void shouldFitAPhoneScreen() throws Exception {
        browser.manage().window().setSize(new Dimension(390, 844));
        browser.get(server.url() + "/ui/");
        waitForCell("orders", "ready", "5");
        long overflow = (Long) js("return document.documentElement.scrollWidth - window.innerWidth");
        assertThat(overflow).isLessThanOrEqualTo(0);
        fullShot("06-phone-overview");
        browser.get(server.url() + "/ui/#/q/orders");
        waitForFigure("ready", "5");
        assertThat((Long) js("return document.documentElement.scrollWidth - window.innerWidth")).isLessThanOrEqualTo(0);
        fullShot("07-phone-queue");
        browser.manage().window().setSize(new Dimension(1280, 1000));
    }

    @Test
    @Order(7)
    void shouldDeleteAQueueAfterConfirmation() throws Exception {
        api("PUT", "/v1/queues/scratch", "{}");
        browser.get(server.url() + "/ui/#/q/scratch");
        waitForFigure("ready", "0");
        browser.findElement(By.cssSelector("[data-test=delete-queue]")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-test=confirm-ok]"))).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr[data-queue='orders']")));
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("tr[data-queue='scratch']"), 0));
        assertThat(browser.getCurrentUrl()).endsWith("/ui/#/");
        assertThat(api("GET", "/v1/queues", null)).doesNotContain("\"scratch\"");
    }

    @Test
    @Order(8)
    void shouldAskForATokenWhenRefusedAndSendItOnEveryApiCall() throws Exception {
        try (AuthProxy proxy = new AuthProxy(server.url(), "s3cret-token")) {
            browser.get(proxy.url() + "/ui/");
            WebElement dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token-dialog")));
            assertThat(browser.findElement(By.id("banner")).getText()).contains("401");
            dialog.findElement(By.name("token")).sendKeys("s3cret-token");
            shot("08-token-dialog");
            dialog.findElement(By.name("token")).sendKeys(org.openqa.selenium.Keys.ENTER); // Enter saves
            waitForCell("orders", "ready", "5");
            int refused = (int) proxy.seen.stream().filter(String::isEmpty).count();
            List<String> after = proxy.seen.stream().skip(refused).toList();
            assertThat(refused).isPositive();
            assertThat(after).isNotEmpty().allMatch("Bearer s3cret-token"::equals);
            assertThat(js("return sessionStorage.getItem('spool.token')")).isEqualTo("s3cret-token");
            assertThat(js("return localStorage.length + document.cookie.length")).isEqualTo(0L);
        }
    }

    @Test
    @Order(9)
    void shouldListLocksWithTheirHolder() throws Exception {
        api("POST", "/v1/locks/report-job/acquire", "{\"owner\":\"worker-7\",\"ttl_ms\":60000}");
        browser.get(server.url() + "/ui/");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav-locks"))).click();
        wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-lock='report-job'] td[data-col=holder]"), "worker-7"));
        shot("09-locks");
    }

    @Test
    @Order(10)
    void shouldLogNoErrorsInTheBrowserConsole() {
        List<LogEntry> severe = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                // a 4xx the page expects (the lock probe's 404, the proxy's 401) is logged by Chromium as a failed load
                .filter(e -> !e.getMessage().contains("Failed to load resource")).toList();
        assertThat(severe).extracting(LogEntry::getMessage).isEmpty();
    }

    private static void waitForCell(String queue, String col, String value) {
        wait.withMessage(queue + "." + col + " = " + value).until(ExpectedConditions.textToBe(
                By.cssSelector("tr[data-queue='" + queue + "'] td[data-col=" + col + "]"), value));
    }

    private static void waitForFigure(String name, String value) {
        wait.withMessage(name + " = " + value).until(ExpectedConditions.textToBe(
                By.cssSelector("[data-test=figures] [data-test=" + name + "] .value"), value));
    }

    private static String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText();
    }

    private static Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    private static void shot(String name) throws IOException {
        Files.write(SHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    /** A screenshot of the whole page: the window grows to the page's height for it. */
    private static void fullShot(String name) throws IOException {
        Dimension before = browser.manage().window().getSize();
        long height = (Long) js("return document.documentElement.scrollHeight");
        browser.manage().window().setSize(new Dimension(before.getWidth(), (int) Math.min(height + 140, 6000)));
        shot(name);
        browser.manage().window().setSize(before);
    }

    private static void push(String queue, int n) {
        StringBuilder b = new StringBuilder("{\"messages\":[");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append("{\"payload\":{\"n\":").append(i).append(",\"customer\":\"c-").append(i)
                    .append("\"},\"key\":\"k").append(KEYS.incrementAndGet()).append("\"}");
        }
        api("POST", "/v1/queues/" + queue + "/messages", b.append("]}").toString());
    }

    /** Pushes n messages to a queue allowing one attempt, pops them and nacks them: they die. */
    private static void makeDeadLetters(String queue, int n) {
        api("PUT", "/v1/queues/" + queue, "{\"max_attempts\":1}");
        push(queue, n);
        String popped = api("POST", "/v1/queues/" + queue + "/pop", "{\"max\":" + n + "}");
        List<String> receipts = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"receipt\":\"([^\"]+)\"").matcher(popped);
        while (m.find()) {
            receipts.add("\"" + m.group(1) + "\"");
        }
        assertThat(receipts).hasSize(n);
        api("POST", "/v1/queues/" + queue + "/nack", "{\"receipts\":[" + String.join(",", receipts)
                + "],\"reason\":\"card declined\"}");
    }

    private static String api(String method, String path, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(10));
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isLessThan(300);
            return r.body();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
