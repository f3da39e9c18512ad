package dev.spool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * PostgreSQL stops for a few seconds under two servers: requests fail fast with
 * {@code 503 unavailable}, the servers come back by themselves when the database does, and
 * nothing stored before the outage is lost, duplicated or changed.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OutageTest {
    /** "Fast": far below a client's usual timeout, and no hang on a dead socket. */
    private static final long FAIL_FAST_MS = 3000;

    private Pg pg;
    private ServerProcess a;
    private ServerProcess b;

    @BeforeEach
    void start() {
        pg = Pg.start(false);
        String url = pg.newDatabase("outage") + "?connect_timeout_ms=2500"; // below FAIL_FAST_MS, above a busy login
        a = ServerProcess.launch("outage-a", url);
        b = ServerProcess.launch("outage-b", url);
        a.awaitReady(Duration.ofSeconds(60));
        b.awaitReady(Duration.ofSeconds(60));
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) {
            assertThat(a.terminate()).as("exit code of A after SIGTERM").isZero();
        }
        if (b != null) {
            assertThat(b.terminate()).as("exit code of B after SIGTERM").isZero();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void requestsFailFastWhileTheDatabaseIsDownAndServersRecoverWithoutLoss() throws Exception {
        Api onA = new Api(a, Duration.ofSeconds(20));
        Api onB = new Api(b, Duration.ofSeconds(20));
        String q = "orders";
        onA.putQueue(q, Map.of("visibility_timeout_ms", 120_000));
        List<ObjectNode> batch = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            batch.add(Api.message(Map.of("n", i), "k" + (i % 30)));
        }
        List<String> ids = onA.push(q, batch);
        // before the outage: 100 acked, 30 leased (one per key, held across the outage)
        Set<String> acked = new HashSet<>();
        while (acked.size() < 100) {
            List<Api.Leased> got = onB.pop(q, 10, 0, 0);
            assertThat(onB.ack(q, got.stream().map(Api.Leased::receipt).toList())).containsOnly("ok");
            got.forEach(m -> acked.add(m.id()));
        }
        List<Api.Leased> held = onA.pop(q, 100, 0, 0);
        assertThat(held).hasSize(30);
        // a pop waiting on B when the database goes away
        CompletableFuture<Api.Reply> waiting = CompletableFuture.supplyAsync(
                () -> onB.call("POST", "/v1/queues/" + q + "/pop", Map.of("wait_ms", 20_000)));

        pg.stop();
        long outageStart = System.nanoTime();
        List<Long> failures = new ArrayList<>();
        int round = 0;
        // a few seconds of requests against both servers, all while the database is down
        while (System.nanoTime() - outageStart < TimeUnit.SECONDS.toNanos(4)) {
            for (Api api : List.of(onA, onB)) {
                for (String[] req : List.of(
                        new String[] {"POST", "/v1/queues/" + q + "/messages"},
                        new String[] {"POST", "/v1/queues/" + q + "/pop"},
                        new String[] {"POST", "/v1/queues/" + q + "/ack"},
                        new String[] {"GET", "/v1/queues/" + q})) {
                    Object body = switch (req[1].substring(req[1].lastIndexOf('/') + 1)) {
                        case "messages" -> Map.of("messages", List.of(Map.of("payload", "during outage " + round)));
                        case "pop" -> Map.of("max", 5);
                        case "ack" -> Map.of("receipts", List.of(held.get(0).receipt()));
                        default -> null;
                    };
                    long t0 = System.nanoTime();
                    Api.Reply r = api.call(req[0], req[1], body);
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    failures.add(ms);
                    assertThat(r.status()).as(req[0] + " " + req[1] + " on " + api.server().name() + ": " + r.body())
                            .isEqualTo(503);
                    assertThat(r.errorCode()).isEqualTo("unavailable");
                    assertThat(r.body().path("error").path("message").asText()).containsIgnoringCase("PostgreSQL");
                    assertThat(ms).as("time to fail").isLessThan(FAIL_FAST_MS);
                }
                assertThat(api.call("GET", "/readyz", null).status()).isEqualTo(503);
            }
            round++;
        }
        failures.sort(null);
        System.out.printf("outage: %d requests failed with 503 unavailable, median %d ms, max %d ms%n",
                failures.size(), failures.get(failures.size() / 2), failures.get(failures.size() - 1));
        // the waiting pop ends without a delivery (empty, or 503); it never hangs past its wait
        Api.Reply w = waiting.get(30, TimeUnit.SECONDS);
        assertThat(w.status()).isIn(200, 503);
        if (w.status() == 200) {
            assertThat(w.body().get("messages")).isEmpty();
        }

        pg.start();
        for (Api api : List.of(onA, onB)) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> api.call("GET", "/readyz", null).body().path("detail").asText().contains("listening"));
        }
        // the leases survived the outage: their receipts still ack
        assertThat(onB.ack(q, held.stream().map(Api.Leased::receipt).toList())).containsOnly("ok");
        held.forEach(m -> acked.add(m.id()));
        // everything else is still there, once each, with its payload
        Set<String> rest = new HashSet<>();
        while (true) {
            List<Api.Leased> got = onA.pop(q, 100, 0, 0);
            if (got.isEmpty()) {
                break;
            }
            for (Api.Leased m : got) {
                assertThat(rest.add(m.id())).as("delivered once: " + m.id()).isTrue();
                assertThat(m.attempts()).isEqualTo(1);
                int n = ids.indexOf(m.id());
                assertThat(n).as("a message pushed before the outage").isNotNegative();
                assertThat(m.payload().get("n").asInt()).isEqualTo(n);
            }
            assertThat(onA.ack(q, got.stream().map(Api.Leased::receipt).toList())).containsOnly("ok");
        }
        Set<String> all = new HashSet<>(acked);
        all.addAll(rest);
        assertThat(all).hasSize(ids.size()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(rest).doesNotContainAnyElementsOf(acked);

        // waiting pops are woken across servers again (the LISTEN connections are back)
        CompletableFuture<List<Api.Leased>> pop = CompletableFuture.supplyAsync(() -> onB.pop(q, 1, 10_000, 0));
        long t0 = System.nanoTime();
        onA.push(q, List.of(Api.message("after", null)));
        List<Api.Leased> got = pop.get(20, TimeUnit.SECONDS);
        assertThat(got).hasSize(1);
        assertThat(got.get(0).payload().asText()).isEqualTo("after");
        assertThat((System.nanoTime() - t0) / 1_000_000).as("wake-up after recovery, ms").isLessThan(1000);
    }

    /**
     * Producers and consumers on both servers keep going while PostgreSQL stops for 3 s and comes
     * back: every reply is 200 or a fast {@code 503 unavailable}; afterwards every push that got a
     * 200 is consumed, and no message is acknowledged twice.
     */
    @Test
    void loadRidesThroughAnOutage() throws Exception {
        Api onA = new Api(a, Duration.ofSeconds(20));
        Api onB = new Api(b, Duration.ofSeconds(20));
        String q = "busy";
        onA.putQueue(q, Map.of("visibility_timeout_ms", 4000, "max_attempts", 0));
        Set<String> pushed = ConcurrentHashMap.newKeySet();
        Set<String> acked = ConcurrentHashMap.newKeySet();
        List<String> violations = new CopyOnWriteArrayList<>();
        AtomicInteger unavailable = new AtomicInteger();
        AtomicLong slowestFailureMs = new AtomicLong();
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicBoolean consuming = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> producers = new ArrayList<>();
        List<Future<?>> consumers = new ArrayList<>();
        try {
            for (Api api : List.of(onA, onB)) {
                producers.add(pool.submit(() -> {
                    int n = 0;
                    while (producing.get()) {
                        List<Map<String, Object>> batch = new ArrayList<>();
                        for (int i = 0; i < 20; i++) {
                            batch.add(Map.of("payload", Map.of("n", n++)));
                        }
                        long t0 = System.nanoTime();
                        Api.Reply r = api.call("POST", "/v1/queues/" + q + "/messages", Map.of("messages", batch));
                        if (r.status() == 200) {
                            r.body().get("ids").forEach(id -> pushed.add(id.asText()));
                        } else {
                            failed(r, t0, unavailable, slowestFailureMs, violations);
                        }
                    }
                    return null;
                }));
                consumers.add(pool.submit(() -> {
                    while (consuming.get()) {
                        long t0 = System.nanoTime();
                        Api.Reply r = api.call("POST", "/v1/queues/" + q + "/pop",
                                Map.of("max", 20, "wait_ms", 200));
                        if (r.status() != 200) {
                            failed(r, t0, unavailable, slowestFailureMs, violations);
                            continue;
                        }
                        List<String> ids = new ArrayList<>();
                        List<String> receipts = new ArrayList<>();
                        r.body().get("messages").forEach(m -> {
                            ids.add(m.get("id").asText());
                            receipts.add(m.get("receipt").asText());
                        });
                        if (receipts.isEmpty()) {
                            continue;
                        }
                        t0 = System.nanoTime();
                        Api.Reply ar = api.call("POST", "/v1/queues/" + q + "/ack", Map.of("receipts", receipts));
                        if (ar.status() != 200) {
                            failed(ar, t0, unavailable, slowestFailureMs, violations);
                            continue;
                        }
                        for (int i = 0; i < ids.size(); i++) {
                            String status = ar.body().get("results").get(i).get("status").asText();
                            if (status.equals("ok") && !acked.add(ids.get(i))) {
                                violations.add("acknowledged twice: " + ids.get(i));
                            }
                        }
                    }
                    return null;
                }));
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() >= 300);
            pg.stop();
            long stoppedAt = System.nanoTime();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> unavailable.get() >= 20);
            // the outage's length (a schedule, not a wait for a condition): about 3 s of load against it
            long left = 3000 - (System.nanoTime() - stoppedAt) / 1_000_000;
            if (left > 0) {
                TimeUnit.MILLISECONDS.sleep(left);
            }
            pg.start();
            int before = acked.size();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() >= before + 300);
            producing.set(false);
            for (Future<?> f : producers) {
                f.get(30, TimeUnit.SECONDS);
            }
            // leases whose ack failed come back after 4 s
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acked.containsAll(pushed));
            consuming.set(false);
            for (Future<?> f : consumers) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            producing.set(false);
            consuming.set(false);
            pool.shutdownNow();
        }
        System.out.printf("outage under load: %d pushed, %d acked, %d requests failed with 503, slowest %d ms%n",
                pushed.size(), acked.size(), unavailable.get(), slowestFailureMs.get());
        assertThat(violations).isEmpty();
        assertThat(unavailable.get()).isPositive();
        assertThat(slowestFailureMs.get()).as("slowest 503, ms").isLessThan(FAIL_FAST_MS);
        assertThat(acked).containsAll(pushed);
    }

    private static void failed(Api.Reply r, long t0, AtomicInteger unavailable, AtomicLong slowest,
            List<String> violations) {
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (r.status() == 503 && "unavailable".equals(r.errorCode())) {
            unavailable.incrementAndGet();
            slowest.accumulateAndGet(ms, Math::max);
        } else {
            violations.add("unexpected reply " + r.status() + ": " + r.body());
        }
    }
}
