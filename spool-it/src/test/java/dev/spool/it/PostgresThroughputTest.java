package dev.spool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * End-to-end throughput of push + pop + ack through two server processes sharing one PostgreSQL,
 * all on this machine: batches of 100 messages of 1 KiB, producers and consumers on both servers.
 * A measurement, not a check (tag {@code perf}, excluded from the default run):
 *
 * <pre>
 * ./mvnw -o -pl spool-it verify -Dspool.excludedGroups=none -Dtest=PostgresThroughputTest \
 *     [-Dspool.it.seconds=20] [-Dspool.it.producers=2] [-Dspool.it.consumers=2] \
 *     [-Dspool.it.poolSize=8] [-Dspool.it.fsync=on]
 * </pre>
 *
 * Producers and consumers are threads of the test JVM per server; a budget of in-queue messages
 * keeps the backlog bounded (producers wait for consumers), so the figure is the steady state of
 * the whole loop. Prints messages per second acked end to end.
 */
@Tag("perf")
class PostgresThroughputTest {
    private static final int BATCH = 100;
    private static final int PAYLOAD = 1024;
    private static final int BACKLOG = 20_000;

    @Test
    void pushPopAckThroughTwoServers() throws Exception {
        int seconds = Integer.getInteger("spool.it.seconds", 20);
        int warmupSeconds = Integer.getInteger("spool.it.warmup", 25); // the servers JIT-compile for ~20 s
        int producers = Integer.getInteger("spool.it.producers", 2);
        int consumers = Integer.getInteger("spool.it.consumers", 2);
        int poolSize = Integer.getInteger("spool.it.poolSize", 8);
        boolean fsync = !"off".equals(System.getProperty("spool.it.fsync", "on"));
        try (Pg pg = Pg.start(fsync, pgSettings(System.getProperty("spool.it.pg", "")))) {
            String url = pg.newDatabase("bench") + "?pool_size=" + poolSize;
            try (ServerProcess a = ServerProcess.launch("bench-a", url);
                    ServerProcess b = ServerProcess.launch("bench-b", url)) {
                a.awaitReady(Duration.ofSeconds(60));
                b.awaitReady(Duration.ofSeconds(60));
                new Api(a, Duration.ofSeconds(10)).putQueue("bench", Map.of("visibility_timeout_ms", 60_000));
                LoopFigures f = run(pg.pid(), List.of(a, b), producers, consumers, warmupSeconds, seconds);
                System.out.printf("postgres end-to-end: 2 servers, %d producer + %d consumer threads per server, "
                        + "batch %d x %d B, pool_size %d, fsync %s: %.0f msg/s acked, %.0f msg/s pushed "
                        + "(%.1f s window after %d s warm-up)%n", producers, consumers, BATCH, PAYLOAD, poolSize,
                        fsync ? "on" : "off", f.rate(), f.pushed() / f.seconds(), f.seconds(), warmupSeconds);
                System.out.printf("  CPU used in the window: %.1f s (PostgreSQL %.1f, servers %.1f, client %.1f) = %.2f cores "
                        + "busy; %.0f msg acked per CPU-second of the whole loop (%.0f per CPU-second of servers + "
                        + "PostgreSQL)%n", f.totalCpu(), f.pgCpu(), f.serverCpu(), f.clientCpu(),
                        f.totalCpu() / f.seconds(), f.acked() / f.totalCpu(), f.acked() / (f.pgCpu() + f.serverCpu()));
                assertThat(f.acked()).isPositive();
            }
        }
    }

    /** Extra postgresql.conf settings, {@code -Dspool.it.pg="name=value,name=value"}. */
    static Map<String, String> pgSettings(String spec) {
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        for (String kv : spec.split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                settings.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
            }
        }
        return settings;
    }

    private static double cpu(long pg, List<ServerProcess> servers, double[] parts) {
        parts[0] = Cpu.tree(pg);
        parts[1] = 0;
        for (ServerProcess s : servers) {
            parts[1] += Cpu.seconds(s.pid());
        }
        parts[2] = Cpu.self();
        return parts[0] + parts[1] + parts[2];
    }

    /**
     * Drives the loop through the servers ({@code producers} and {@code consumers} threads per server):
     * warm-up, then one measured window.
     */
    static LoopFigures run(long pgPid, List<ServerProcess> servers, int producers, int consumers, int warmup, int seconds)
            throws Exception {
        ObjectNode body = Api.JSON.createObjectNode();
        ArrayNode messages = body.putArray("messages");
        String payload = "x".repeat(PAYLOAD - 2); // a JSON string of 1 KiB with its quotes
        for (int i = 0; i < BATCH; i++) {
            messages.addObject().put("payload", payload);
        }
        byte[] pushBody = Api.JSON.writeValueAsBytes(body);
        byte[] popBody = Api.JSON.writeValueAsBytes(Map.of("max", BATCH, "wait_ms", 200));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Semaphore budget = new Semaphore(BACKLOG);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong pushed = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(servers.size() * (producers + consumers));
        List<Future<?>> tasks = new ArrayList<>();
        // pops never create queues: consumers start with the producers
        assertThat(http.send(HttpRequest.newBuilder(servers.get(0).uri("/v1/queues/bench"))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        for (ServerProcess s : servers) {
            HttpRequest push = HttpRequest.newBuilder(s.uri("/v1/queues/bench/messages"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(pushBody)).build();
            HttpRequest pop = HttpRequest.newBuilder(s.uri("/v1/queues/bench/pop"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(popBody)).build();
            for (int i = 0; i < producers; i++) {
                tasks.add(pool.submit(() -> {
                    while (running.get()) {
                        if (!budget.tryAcquire(BATCH, 100, TimeUnit.MILLISECONDS)) {
                            continue;
                        }
                        HttpResponse<Void> r = http.send(push, HttpResponse.BodyHandlers.discarding());
                        assertThat(r.statusCode()).isEqualTo(200);
                        pushed.addAndGet(BATCH);
                    }
                    return null;
                }));
            }
            for (int i = 0; i < consumers; i++) {
                tasks.add(pool.submit(() -> {
                    while (running.get()) {
                        HttpResponse<byte[]> r = http.send(pop, HttpResponse.BodyHandlers.ofByteArray());
                        assertThat(r.statusCode()).isEqualTo(200);
                        JsonNode got = Api.JSON.readTree(r.body()).get("messages");
                        if (got.isEmpty()) {
                            continue;
                        }
                        ObjectNode ack = Api.JSON.createObjectNode();
                        ArrayNode receipts = ack.putArray("receipts");
                        got.forEach(m -> receipts.add(m.get("receipt").asText()));
                        HttpResponse<Void> ar = http.send(HttpRequest.newBuilder(s.uri("/v1/queues/bench/ack"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(Api.JSON.writeValueAsBytes(ack)))
                                .build(), HttpResponse.BodyHandlers.discarding());
                        assertThat(ar.statusCode()).isEqualTo(200);
                        acked.addAndGet(got.size());
                        budget.release(got.size());
                    }
                    return null;
                }));
            }
        }
        try {
            TimeUnit.SECONDS.sleep(warmup); // the measurement's schedule: warm-up, then a fixed window
            double[] c0 = new double[3];
            double[] c1 = new double[3];
            long a0 = acked.get();
            long p0 = pushed.get();
            long t0 = System.nanoTime();
            cpu(pgPid, servers, c0);
            TimeUnit.SECONDS.sleep(seconds);
            long a1 = acked.get();
            long p1 = pushed.get();
            cpu(pgPid, servers, c1);
            double secs = (System.nanoTime() - t0) / 1e9;
            running.set(false);
            for (Future<?> t : tasks) {
                t.get(60, TimeUnit.SECONDS);
            }
            return new LoopFigures(a1 - a0, p1 - p0, secs, c1[0] - c0[0], c1[1] - c0[1], c1[2] - c0[2]);
        } finally {
            running.set(false);
            pool.shutdownNow();
        }
    }
}
