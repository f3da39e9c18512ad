package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large payloads in journal mode: raw pushes are spooled to disk and copied into the journal, raw
 * pops stream them back, and neither holds a payload whole on the heap.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class LargePayloadTest {
    private static final long MIB = 1L << 20;

    private static ApiClient journalServer(Path dir) {
        ServerConfig d = ServerConfig.ephemeralMemory();
        return ApiClient.start(d.withStorage(d.storage().withStorage(ServerConfig.Storage.JOURNAL).withDataDir(dir)));
    }

    @Test
    void shouldRoundTripTenMebibytesThroughRawPushAndPop(@TempDir Path dir) throws Exception {
        try (ApiClient api = journalServer(dir)) {
            long size = 10 * MIB;
            ApiClient.Resp pushed = api.send(rawPush(api, "big", 1, size));
            assertThat(pushed.status()).as(pushed.toString()).isEqualTo(200);
            String id = pushed.json().path("ids").get(0).asText();
            ApiClient.Resp view = api.get("/v1/queues/big/messages/" + id);
            assertThat(digest(Base64.getDecoder().decode(view.json().path("payload_base64").asText())))
                    .isEqualTo(digest(new Pattern(1, size)));
            HttpResponse<InputStream> popped = api.http.send(api.request("/v1/queues/big/pop")
                    .header("Accept", "application/octet-stream").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(popped.statusCode()).isEqualTo(200);
            assertThat(popped.headers().firstValue("Content-Length")).contains(Long.toString(size));
            assertThat(popped.headers().firstValue("Spool-Id")).contains(id);
            assertThat(digest(popped.body())).isEqualTo(digest(new Pattern(1, size)));
        }
    }

    @Test
    void shouldKeepLiveHeapFlatWhileEightLargePayloadsMoveAtOnce(@TempDir Path dir) throws Exception {
        long size = 64 * MIB;
        try (ApiClient api = journalServer(dir)) {
            api.put("/v1/queues/huge", "{\"max_message_bytes\":" + (65 * MIB) + "}");
            MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
            long before = usedAfterGc(mem);
            long pushPeak;
            try (LiveHeap live = new LiveHeap(mem)) {
                List<CompletableFuture<ApiClient.Resp>> pushes = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    pushes.add(api.sendAsync(rawPush(api, "huge", i, size)));
                }
                for (CompletableFuture<ApiClient.Resp> p : pushes) {
                    ApiClient.Resp r = p.get(300, TimeUnit.SECONDS);
                    assertThat(r.status()).as(r.toString()).isEqualTo(200);
                }
                pushPeak = live.peak();
            }
            assertThat(api.get("/v1/queues/huge").json().path("stats").path("ready").asLong()).isEqualTo(8);
            long popPeak;
            Set<Integer> seeds = new TreeSet<>();
            try (LiveHeap live = new LiveHeap(mem)) {
                List<CompletableFuture<Integer>> pops = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    pops.add(api.http.sendAsync(api.request("/v1/queues/huge/pop")
                            .header("Accept", "application/octet-stream").POST(HttpRequest.BodyPublishers.noBody())
                            .build(), HttpResponse.BodyHandlers.ofInputStream())
                            .thenApplyAsync(LargePayloadTest::checkedSeed));
                }
                for (CompletableFuture<Integer> p : pops) {
                    seeds.add(p.get(300, TimeUnit.SECONDS));
                }
                popPeak = live.peak();
            }
            System.out.printf("live heap over the baseline: 8x64 MiB raw pushes %d KiB, 8x64 MiB raw pops %d KiB%n",
                    (pushPeak - before) / 1024, (popPeak - before) / 1024);
            assertThat(seeds).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
            assertThat(pushPeak - before).as("live heap growth during the pushes, bytes").isLessThan(64 * MIB);
            assertThat(popPeak - before).as("live heap growth during the pops, bytes").isLessThan(64 * MIB);
        }
    }

    @Test
    void shouldDeleteTheSpoolFileWhenAnUploadIsCutOff(@TempDir Path dir) throws Exception {
        try (ApiClient api = journalServer(dir)) {
            api.put("/v1/queues/cut", "{}");
            Path uploads = BrokerFactory.uploadDir(api.server.config());
            try (Socket s = new Socket("127.0.0.1", api.server.port())) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/queues/cut/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-blob\r\n"
                        + "Content-Length: " + 10 * MIB + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                new Pattern(3, MIB).transferTo(out);
                out.flush();
                Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> fileCount(uploads) == 1);
            }
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> fileCount(uploads) == 0);
            assertThat(api.get("/v1/queues/cut").json().path("stats").path("ready").asLong()).isZero();
            ApiClient.Resp ok = api.send("POST", "/v1/queues/cut/messages", new byte[300_000], "Content-Type",
                    "application/x-blob");
            assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> fileCount(uploads) == 0);
        }
    }

    private static long fileCount(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }

    /** Reads a raw pop reply to the end and checks its bytes against its seed; returns the seed. */
    private static int checkedSeed(HttpResponse<InputStream> r) {
        try {
            assertThat(r.statusCode()).isEqualTo(200);
            int seed = Integer.parseInt(r.headers().firstValue("Spool-Header-Seed").orElseThrow());
            assertThat(digest(r.body())).isEqualTo(digest(new Pattern(seed, 64 * MIB)));
            return seed;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The most heap that was live (used right after a full collection) while it ran: a collection
     * is forced every 250 ms, so a payload held whole on the heap anywhere in the path shows up.
     */
    private static final class LiveHeap implements AutoCloseable {
        private final MemoryMXBean mem;
        private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        private final AtomicLong peak = new AtomicLong();
        private final AtomicLong samples = new AtomicLong();

        LiveHeap(MemoryMXBean mem) {
            this.mem = mem;
            sampler.scheduleWithFixedDelay(this::sample, 0, 250, TimeUnit.MILLISECONDS);
        }

        private void sample() {
            System.gc();
            peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
            samples.incrementAndGet();
        }

        /** The peak; fails unless the transfer lasted long enough for a few samples to mean something. */
        long peak() {
            assertThat(samples.get()).as("heap samples taken during the transfer").isGreaterThanOrEqualTo(3);
            return peak.get();
        }

        @Override
        public void close() throws InterruptedException {
            sampler.shutdown();
            assertThat(sampler.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static long usedAfterGc(MemoryMXBean mem) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return mem.getHeapMemoryUsage().getUsed();
    }

    /** A raw push of {@code size} generated bytes, never materialized as one array. */
    private static HttpRequest rawPush(ApiClient api, String queue, int seed, long size) {
        return api.request("/v1/queues/" + queue + "/messages")
                .header("Content-Type", "application/x-blob")
                .header("Spool-Header-Seed", Integer.toString(seed))
                .POST(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> new Pattern(seed, size)), size))
                .build();
    }

    private static String digest(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static String digest(InputStream in) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[64 * 1024];
        int n;
        try (in) {
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** A deterministic byte stream of a given length. */
    static final class Pattern extends InputStream {
        private final long size;
        private long pos;
        private int state;

        Pattern(int seed, long size) {
            this.size = size;
            this.state = seed * 0x9E3779B9 + 1;
        }

        @Override
        public int read() {
            if (pos >= size) {
                return -1;
            }
            pos++;
            state = state * 1103515245 + 12345;
            return (state >>> 16) & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pos >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - pos);
            for (int i = 0; i < n; i++) {
                state = state * 1103515245 + 12345;
                b[off + i] = (byte) (state >>> 16);
            }
            pos += n;
            return n;
        }
    }
}
