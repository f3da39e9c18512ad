package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.server.ServerConfig;
import dev.spool.testkit.TestPki;

/** Push to an {@code https} endpoint whose certificate a test CA issued: trusted with {@code push-ca-file} only. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PushTlsTest {
    @TempDir
    static Path dir;
    private static Vertx vertx;
    private static HttpServer https;
    private static final AtomicInteger received = new AtomicInteger();
    private static Path ca;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        ca = pki.ca("devices-ca");
        TestPki.Issued device = pki.issue("devices-ca", "device", "ip:127.0.0.1", null, 5);
        vertx = Vertx.vertx();
        https = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setHost("127.0.0.1")
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(device.cert().toString())
                        .setKeyPath(device.key().toString())))
                .requestHandler(req -> req.body().onSuccess(b -> {
                    received.incrementAndGet();
                    req.response().setStatusCode(204).end();
                })).listen(0).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    @BeforeEach
    void reset() {
        received.set(0);
    }

    private String url() {
        return "https://127.0.0.1:" + https.actualPort() + "/in";
    }

    @Test
    void shouldDeliverOverTlsWhenTheTestCaIsConfigured() {
        ServerConfig c = PushFixture.config();
        try (PushFixture spool = PushFixture.start(c.withPush(c.push().withCaFile(Optional.of(ca))))) {
            spool.createQueue("jobs", PushFixture.FAST_RETRY);
            assertThat(spool.putPush("jobs", "hook", "{\"url\": \"" + url() + "\", \"start\": \"earliest\"}")
                    .status()).isEqualTo(200);
            String id = spool.push("jobs", null, "over tls").get(0);

            await().atMost(Duration.ofSeconds(20)).until(
                    () -> spool.message("jobs", id, "hook").get("state").asText().equals("acked"));
            assertThat(received.get()).isEqualTo(1);
        }
    }

    @Test
    void shouldRefuseTheCertificateWithoutTheCa() {
        try (PushFixture spool = PushFixture.start(PushFixture.config())) {
            spool.createQueue("jobs", PushFixture.FAST_RETRY);
            assertThat(spool.putPush("jobs", "hook", "{\"url\": \"" + url() + "\", \"start\": \"earliest\", \"timeout_ms\": 2000}")
                    .status()).isEqualTo(200);
            String id = spool.push("jobs", null, "over tls").get(0);

            await().atMost(Duration.ofSeconds(20)).until(
                    () -> spool.message("jobs", id, "hook").get("attempts").asInt() >= 2);
            assertThat(spool.message("jobs", id, "hook").get("state").asText()).isNotEqualTo("acked");
            assertThat(spool.message("jobs", id, "hook").get("last_error").asText()).startsWith("request failed");
            assertThat(received.get()).isZero();
        }
    }
}
