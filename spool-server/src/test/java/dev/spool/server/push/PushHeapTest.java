package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.server.ServerConfig;

/**
 * One large payload pushed to 100 endpoints at once (100 push groups) from the journal: byte-exact
 * at every endpoint, and the live heap (sampled after a full GC every 200 ms while delivering)
 * grows by less than {@value #BOUND_MIB} MiB, far below one copy per endpoint. The default form
 * uses 8 MiB (800 MiB delivered); {@code -Dspool.test.pushHeapBytes=67108864} runs the 64 MiB form,
 * where a single whole copy of the payload would already break the bound:
 * {@code ./mvnw -o -pl spool-server -am test -Dtest=PushHeapTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dspool.test.pushHeapBytes=67108864}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PushHeapTest {
    private static final int ENDPOINTS = 100;
    private static final long BOUND_MIB = 60;

    @Test
    void shouldKeepTheHeapFlatWhileStreamingOnePayloadToAHundredEndpoints(@TempDir Path dir) throws Exception {
        int size = Integer.getInteger("spool.test.pushHeapBytes", 8 << 20);
        Path file = dir.resolve("payload.bin");
        MessageDigest md = Endpoint.sha();
        try (OutputStream out = Files.newOutputStream(file)) {
            Random random = new Random(42);
            byte[] chunk = new byte[1 << 20];
            for (long left = size; left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                int n = (int) Math.min(chunk.length, left);
                out.write(chunk, 0, n);
                md.update(chunk, 0, n);
            }
        }
        String sha = HexFormat.of().formatHex(md.digest());
        Map<String, String> received = new ConcurrentHashMap<>();
        Vertx vertx = Vertx.vertx();
        HttpServer endpoint = vertx.createHttpServer().requestHandler(req -> {
            MessageDigest d = Endpoint.sha();
            req.handler(b -> d.update(b.getBytes())).endHandler(v -> {
                received.put(req.path(), HexFormat.of().formatHex(d.digest()));
                req.response().setStatusCode(204).end();
            });
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        ServerConfig c = PushFixture.config();
        c = c.withStorage(c.storage().withStorage(ServerConfig.Storage.JOURNAL).withDataDir(dir.resolve("data")))
                .withListener(c.listener().withMaxRequestBytes(size + (1L << 20)));
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        try (PushFixture spool = PushFixture.start(c)) {
            spool.createQueue("fw", "{\"max_message_bytes\": " + size + "}");
            for (int i = 0; i < ENDPOINTS; i++) {
                assertThat(spool.putPush("fw", "d" + i, "{\"url\": \"http://127.0.0.1:" + endpoint.actualPort()
                        + "/d/" + i + "\", \"start\": \"earliest\", \"concurrency\": 1, \"timeout_ms\": 300000}")
                        .status()).isEqualTo(200);
            }
            long baseline = liveHeap();
            AtomicLong peak = new AtomicLong(baseline);
            sampler.scheduleWithFixedDelay(() -> peak.accumulateAndGet(liveHeap(), Math::max), 0, 200,
                    TimeUnit.MILLISECONDS);
            HttpResponse<String> pushed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(spool.url("/v1/queues/fw/messages"))).header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofFile(file)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(200);

            await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofMillis(200))
                    .until(() -> received.size() == ENDPOINTS);

            sampler.shutdown();
            sampler.awaitTermination(10, TimeUnit.SECONDS);
            assertThat(received.values()).as("byte-exact at every endpoint").containsOnly(sha);
            long growthMib = (peak.get() - baseline) >> 20;
            assertThat(growthMib).as("live heap growth while delivering %d MiB to %d endpoints", size >> 20, ENDPOINTS)
                    .isLessThan(BOUND_MIB);
        } finally {
            sampler.shutdownNow();
            vertx.close();
        }
    }

    /** Heap in use right after a full collection: what is alive. */
    private static long liveHeap() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
