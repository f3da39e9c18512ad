package dev.spool.bench;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

import dev.spool.bench.Stats.Op;

/**
 * The live progress line: once a second on stderr, the last second's pushes and deliveries, the
 * backlog, the last second's push p99 and the error count. It is also the single reader of the
 * latency recorders while the run lasts.
 */
final class Progress {
    private final Run run;
    private final HeapWatch heap;
    private final PrintWriter err;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("bench-progress").unstarted(r));
    private int ticks;
    private volatile String phase = "  (warm-up)";
    private long lastPushed;
    private long lastDelivered;

    Progress(Run run, HeapWatch heap, PrintWriter err) {
        this.run = run;
        this.heap = heap;
        this.err = err;
    }

    void start() {
        timer.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    /** The warm-up is over. */
    void measuring() {
        phase = "";
    }

    void stop() throws InterruptedException {
        timer.shutdownNow();
        timer.awaitTermination(10, TimeUnit.SECONDS);
    }

    private void tick() {
        if (heap != null) {
            heap.sample();
        }
        long pushed = run.stats.pushedMessages.sum();
        long delivered = run.stats.deliveries.sum();
        Histogram push = run.stats.interval(Op.PUSH);
        run.stats.interval(Op.POP);
        run.stats.interval(Op.ACK);
        err.printf(Locale.ROOT, "[%4ds] pushed %,d/s  delivered %,d/s  backlog %,d  push p99 %s ms  errors %d%s%n",
                ++ticks, pushed - lastPushed, delivered - lastDelivered, run.backlog(),
                push.getTotalCount() == 0 ? "-" : Runner.ms(push.getValueAtPercentile(99)), run.stats.errors.sum(),
                run.producersStopping ? "  (draining)" : phase);
        lastPushed = pushed;
        lastDelivered = delivered;
    }
}
