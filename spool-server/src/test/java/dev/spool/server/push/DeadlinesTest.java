package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One timer for a poster's request timeouts: each runs at its own deadline unless settled before. */
class DeadlinesTest {
    private final Vertx vertx = Vertx.vertx();
    private final Context ctx = vertx.getOrCreateContext();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void shouldRunOnlyTheTimeoutsOfEntriesNotSettledEachAfterItsOwnDeadline() throws Exception {
        Deadlines d = on(() -> new Deadlines(vertx, 300));
        List<String> ran = new CopyOnWriteArrayList<>();
        List<Long> late = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        Deadlines.Entry a = on(() -> d.add(() -> record(ran, late, "a", t0)));
        // b and c are added 100 ms after a, so that each entry has its own deadline
        await().atMost(Duration.ofSeconds(5)).until(() -> System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(100));
        long t1 = System.nanoTime();
        Deadlines.Entry b = on(() -> d.add(() -> record(ran, late, "b", t1)));
        Deadlines.Entry c = on(() -> d.add(() -> record(ran, late, "c", t1)));
        on(() -> {
            d.settle(b);
            return null;
        });

        await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 2);

        assertThat(ran).containsExactly("a", "c");
        // each ran at its own deadline (300 ms after it was added), not before
        assertThat(late).allMatch(ms -> ms >= 300 && ms < 2_000);
        assertThat(on(d::queued)).isZero();
        assertThat(a).isNotNull();
        assertThat(c).isNotNull();
    }

    @Test
    void shouldDropSettledEntriesAsSoonAsNoneBeforeThemIsPending() throws Exception {
        Deadlines d = on(() -> new Deadlines(vertx, 60_000));
        Deadlines.Entry hung = on(() -> d.add(() -> { }));
        for (int i = 0; i < 100; i++) {
            on(() -> {
                d.settle(d.add(() -> { }));
                return null;
            });
        }
        // behind a pending entry, settled ones wait (a few bytes each)
        assertThat(on(d::queued)).isEqualTo(101);

        on(() -> {
            d.settle(hung);
            return null;
        });

        assertThat(on(d::queued)).isZero();
    }

    @Test
    void shouldRunATimeoutAddedByAnotherTimeoutAtItsOwnDeadline() throws Exception {
        Deadlines d = on(() -> new Deadlines(vertx, 200));
        CompletableFuture<Long> second = new CompletableFuture<>();
        long t0 = System.nanoTime();
        on(() -> d.add(() -> d.add(() -> second.complete((System.nanoTime() - t0) / 1_000_000))));

        assertThat(second.get(5, TimeUnit.SECONDS)).isBetween(400L, 3_000L);
    }

    private static void record(List<String> ran, List<Long> late, String name, long from) {
        ran.add(name);
        late.add((System.nanoTime() - from) / 1_000_000);
    }

    private <T> T on(java.util.concurrent.Callable<T> c) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        ctx.runOnContext(v -> {
            try {
                f.complete(c.call());
            } catch (Exception e) {
                f.completeExceptionally(e);
            }
        });
        return f.get(10, TimeUnit.SECONDS);
    }
}
