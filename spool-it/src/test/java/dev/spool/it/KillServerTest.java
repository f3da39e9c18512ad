package dev.spool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * SIGKILL of one of two servers under load: the messages it had leased come back (through the
 * other server) once their visibility timeout ends and not before; no pushed message whose push
 * was acknowledged is lost; no message whose ack was acknowledged is delivered again.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class KillServerTest {
    private static final long VISIBILITY_MS = 3000;
    /** Clock reading tolerance: the lease end comes from the database clock, on this same machine. */
    private static final long SKEW_MS = 20;

    private Pg pg;
    private ServerProcess a;
    private ServerProcess b;

    @BeforeEach
    void start() {
        pg = Pg.start(false);
        String url = pg.newDatabase("kill");
        a = ServerProcess.launch("kill-a", url);
        b = ServerProcess.launch("kill-b", url);
        a.awaitReady(Duration.ofSeconds(60));
        b.awaitReady(Duration.ofSeconds(60));
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void leasesOfAKilledServerComeBackAfterTheirTimeoutAndNothingAcknowledgedIsLost() throws Exception {
        Api onA = new Api(a, Duration.ofSeconds(10));
        Api onB = new Api(b, Duration.ofSeconds(10));
        String q = "jobs";
        onB.putQueue(q, Map.of("visibility_timeout_ms", VISIBILITY_MS, "max_attempts", 0));

        Set<String> pushed = ConcurrentHashMap.newKeySet();
        Set<String> ackedOk = ConcurrentHashMap.newKeySet();
        // acks sent to A whose reply the kill cut off: applied or not, nobody knows yet
        Set<String> ackUnknown = ConcurrentHashMap.newKeySet();
        Map<String, Api.Leased> heldOnA = new ConcurrentHashMap<>();
        List<String> violations = new CopyOnWriteArrayList<>();
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicInteger ackedOnA = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> phase1 = new ArrayList<>();
        try {
            // producers on both servers; those on A stop when A dies (their last push is unknown)
            for (Api api : List.of(onA, onB)) {
                phase1.add(pool.submit(() -> {
                    int n = 0;
                    while (producing.get()) {
                        List<ObjectNode> batch = new ArrayList<>();
                        for (int i = 0; i < 20; i++) {
                            batch.add(Api.message(Map.of("from", api.server().name(), "n", n++), null));
                        }
                        try {
                            pushed.addAll(api.push(q, batch));
                        } catch (UncheckedIOException e) {
                            return null; // the server was killed
                        }
                    }
                    return null;
                }));
            }
            // consumers on A that ack what they get
            for (int c = 0; c < 2; c++) {
                phase1.add(pool.submit(() -> {
                    while (true) {
                        try {
                            List<Api.Leased> got = onA.pop(q, 20, 200, 0);
                            if (got.isEmpty()) {
                                continue;
                            }
                            List<String> receipts = got.stream().map(Api.Leased::receipt).toList();
                            List<String> statuses;
                            try {
                                statuses = onA.ack(q, receipts);
                            } catch (UncheckedIOException e) {
                                got.forEach(m -> ackUnknown.add(m.id()));
                                return null;
                            }
                            for (int i = 0; i < got.size(); i++) {
                                if (statuses.get(i).equals("ok")) {
                                    ackedOk.add(got.get(i).id());
                                    ackedOnA.incrementAndGet();
                                }
                            }
                        } catch (UncheckedIOException e) {
                            return null;
                        }
                    }
                }));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> ackedOnA.get() >= 600);
            // a worker on A that took 50 messages and has not finished them when A dies
            for (Api.Leased m : onA.pop(q, 50, 5000, 0)) {
                heldOnA.put(m.id(), m);
            }
            assertThat(heldOnA).isNotEmpty();
            a.kill();
            producing.set(false);
            for (Future<?> f : phase1) {
                f.get(60, TimeUnit.SECONDS);
            }

            // B drains everything; the held leases must come back after their lease ends, not before
            Map<String, Long> redeliveredAt = new ConcurrentHashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            List<Future<?>> phase2 = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                phase2.add(pool.submit(() -> {
                    while (System.nanoTime() < deadline && !(consumed(pushed, ackedOk, ackUnknown)
                            && redeliveredAt.keySet().containsAll(heldOnA.keySet())
                            && settled(onB, q, ackUnknown, ackedOk))) {
                        List<Api.Leased> got = onB.pop(q, 50, 300, 0);
                        long now = System.currentTimeMillis();
                        for (Api.Leased m : got) {
                            if (ackedOk.contains(m.id())) {
                                violations.add("acknowledged message delivered again: " + m.id());
                            }
                            Api.Leased held = heldOnA.get(m.id());
                            if (held != null) {
                                redeliveredAt.putIfAbsent(m.id(), now);
                                if (now + SKEW_MS < held.leaseExpiresAt()) {
                                    violations.add(m.id() + " redelivered " + (held.leaseExpiresAt() - now)
                                            + " ms before its lease ended");
                                }
                                if (m.attempts() <= held.attempts()) {
                                    violations.add(m.id() + " redelivered with attempt " + m.attempts());
                                }
                            }
                        }
                        if (!got.isEmpty()) {
                            List<String> statuses = onB.ack(q, got.stream().map(Api.Leased::receipt).toList());
                            for (int i = 0; i < got.size(); i++) {
                                if (statuses.get(i).equals("ok") && !ackedOk.add(got.get(i).id())) {
                                    violations.add("acked twice: " + got.get(i).id());
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : phase2) {
                f.get(90, TimeUnit.SECONDS);
            }
            assertThat(violations).isEmpty();
            assertThat(redeliveredAt.keySet()).as("leases held on the killed server, redelivered")
                    .containsExactlyInAnyOrderElementsOf(heldOnA.keySet());
            // an ack cut off by the kill either took effect (the message is gone or acked) or the
            // message came back to B after its lease and was acked there
            for (String id : ackUnknown) {
                if (!ackedOk.contains(id)) {
                    Api.Reply view = onB.call("GET", "/v1/queues/" + q + "/messages/" + id, null);
                    assertThat(acked(view)).as("message %s, acked on A just before the kill, is %s", id, view.body())
                            .isTrue();
                    ackedOk.add(id);
                }
            }
            assertThat(ackedOk).as("every acknowledged push was consumed").containsAll(pushed);
            assertThat(onB.stats(q).get("in_flight").asLong()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    /** Whether every pushed message was acked on B, or is one whose ack on A the kill cut off. */
    private static boolean consumed(Set<String> pushed, Set<String> ackedOk, Set<String> ackUnknown) {
        for (String id : pushed) {
            if (!ackedOk.contains(id) && !ackUnknown.contains(id)) {
                return false;
            }
        }
        return true;
    }

    /** Whether every message whose ack the kill cut off is acked by now (on A before it died, or on B). */
    private static boolean settled(Api onB, String q, Set<String> ackUnknown, Set<String> ackedOk) {
        for (String id : ackUnknown) {
            if (!ackedOk.contains(id) && !acked(onB.call("GET", "/v1/queues/" + q + "/messages/" + id, null))) {
                return false;
            }
        }
        return true;
    }

    /** A task view says acked, or the message is gone (acked and not retained). */
    private static boolean acked(Api.Reply view) {
        return view.status() == 404 || view.status() == 200 && "acked".equals(view.body().path("state").asText());
    }
}
