package dev.spool.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import dev.spool.api.ErrorCode;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;
import dev.spool.client.ClientOptions;
import dev.spool.client.SpoolClient;

/**
 * {@code spool bench locks}: the lock scenarios of issue 13, through the Java client over HTTP.
 *
 * <ul>
 *   <li>{@code cycle}: each client, on its own lock, acquires, writes a {@code --state-bytes}
 *       document and releases, as fast as it can; a cycle's latency is the three round trips.
 *   <li>{@code handoff}: every client queues on one lock, takes it, releases it at once; the
 *       latency is from the moment the holder sends its release to the moment the next holder has
 *       its grant (one process, one clock).
 *   <li>{@code reads}: the clients read one lock's {@code --state-bytes} document, which anyone may.
 * </ul>
 *
 * The report ends with {@code RESULT scenario=locks-<mode> ops_per_s=<n> p50_ms=<x> p99_ms=<y> errors=<n>}.
 */
@Command(name = "locks", sortOptions = false,
        description = {"Lock scenarios: cycle (acquire + state write + release, one lock per client),",
            "handoff (all clients on one lock; latency from release to the next holder's grant),",
            "reads (public state reads). Prints ops/s and latency percentiles."})
final class LockScenario implements Callable<Integer> {
    private static final long HIGHEST_MICROS = 3_600_000_000L;
    private static final long TTL_MS = 10_000;
    private static final long HANDOFF_WAIT_MS = 5_000;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec command;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--mode", defaultValue = "cycle", description = "cycle, handoff or reads (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--clients", defaultValue = "0",
            description = "concurrent clients (default: 8 for cycle, 100 for handoff, 16 for reads)")
    int clients;

    @Option(names = "--state-bytes", defaultValue = "4096", description = "state document size (default: ${DEFAULT-VALUE})")
    int stateBytes;

    private final Recorder recorder = new Recorder(HIGHEST_MICROS, 3);
    private final LongAdder ops = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final AtomicLong releasedAt = new AtomicLong();
    private volatile boolean stop;
    private volatile String firstError;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        int n = clients > 0 ? clients : switch (mode) {
            case "cycle" -> 8;
            case "handoff" -> 100;
            case "reads" -> 16;
            default -> throw new ParameterException(command.commandLine(), "--mode is cycle, handoff or reads");
        };
        if (stateBytes < 0 || common.durationS <= 0 || common.warmupS < 0) {
            throw new ParameterException(command.commandLine(), "--state-bytes, --duration and --warmup must be positive");
        }
        if (System.getProperty("spool.log.level") == null && System.getenv("SPOOL_LOG_LEVEL") == null) {
            System.setProperty("spool.log.level", "WARN");
        }
        String prefix = "bench-locks-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        byte[] state = new byte[stateBytes];
        ThreadLocalRandom.current().nextBytes(state);
        try (Target target = Target.open(common);
             SpoolClient client = SpoolClient.connect(secured(ClientOptions.of(target.url().toString())
                     .withMaxConnections(n + 8).withEventLoops(Math.min(4, Runtime.getRuntime().availableProcessors()))))) {
            if ("reads".equals(mode)) {
                LockLease l = SpoolClient.await(client.acquireLock(prefix, new LockRequest("bench", 3_600_000, 0)));
                SpoolClient.await(client.putLockState(prefix, new LockStateWrite(l.fence(), Payload.of(state),
                        "application/octet-stream", OptionalLong.empty())));
            }
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = i;
                threads.add(Thread.ofPlatform().daemon().name("bench-lock-" + i)
                        .start(() -> loop(client, id, prefix, state)));
            }
            Histogram total = measure(err, target.description(), n);
            stop = true;
            for (Thread t : threads) {
                t.join(HANDOFF_WAIT_MS + 10_000);
            }
            return report(out, target.description(), n, total);
        }
    }

    private Histogram measure(PrintWriter err, String target, int n) throws InterruptedException {
        err.printf(Locale.ROOT, "locks %s: %d clients, %d-byte state, %s%n", mode, n, stateBytes, target);
        tick(err, common.warmupS, "  (warm-up)");
        recorder.getIntervalHistogram();
        long before = ops.sum();
        long errorsBefore = errors.sum();
        long t0 = System.nanoTime();
        Histogram total = tick(err, common.durationS, "");
        measuredOps = ops.sum() - before;
        measuredErrors = errors.sum() - errorsBefore;
        measuredS = (System.nanoTime() - t0) / 1e9;
        return total;
    }

    private long measuredOps;
    private long measuredErrors;
    private double measuredS;

    /** Prints a progress line once a second for {@code seconds}; returns the latencies of that time. */
    private Histogram tick(PrintWriter err, double seconds, String phase) throws InterruptedException {
        Histogram total = new Histogram(HIGHEST_MICROS, 3);
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long last = ops.sum();
        while (System.nanoTime() < end) {
            Thread.sleep(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            Histogram h = recorder.getIntervalHistogram();
            total.add(h);
            long now = ops.sum();
            if (!common.noProgress) {
                err.printf(Locale.ROOT, "ops %,d/s  p99 %s ms  errors %d%s%n", now - last,
                        h.getTotalCount() == 0 ? "-" : Runner.ms(h.getValueAtPercentile(99)), errors.sum(), phase);
                err.flush();
            }
            last = now;
        }
        return total;
    }

    /** The client options with the run's token and CA file, when given. */
    private ClientOptions secured(ClientOptions o) {
        ClientOptions out = o;
        if (common.authToken != null && !common.authToken.isEmpty()) {
            out = out.withToken(common.authToken);
        }
        return common.cacert == null ? out : out.withCaFile(java.nio.file.Path.of(common.cacert));
    }

    private void loop(SpoolClient client, int id, String prefix, byte[] state) {
        String own = prefix + "-" + id;
        String owner = "bench-" + id;
        while (!stop) {
            try {
                switch (mode) {
                    case "cycle" -> cycle(client, own, owner, state);
                    case "handoff" -> handoff(client, prefix, owner);
                    default -> read(client, prefix);
                }
            } catch (SpoolException e) {
                if (!(e.code() == ErrorCode.LOCK_HELD && "handoff".equals(mode))) {
                    errors.increment();
                    if (firstError == null) {
                        firstError = e.code().id() + ": " + e.getMessage();
                    }
                }
            }
        }
    }

    private void cycle(SpoolClient client, String name, String owner, byte[] state) {
        long t0 = System.nanoTime();
        LockLease l = SpoolClient.await(client.acquireLock(name, new LockRequest(owner, TTL_MS, 0)));
        SpoolClient.await(client.putLockState(name, new LockStateWrite(l.fence(), Payload.of(state),
                "application/octet-stream", OptionalLong.empty())));
        SpoolClient.await(client.releaseLock(name, l.fence()));
        record(t0);
    }

    private void handoff(SpoolClient client, String name, String owner) {
        LockLease l = SpoolClient.await(client.acquireLock(name, new LockRequest(owner, TTL_MS, HANDOFF_WAIT_MS)));
        long released = releasedAt.get();
        if (released != 0) {
            record(released);
        }
        // the holder is the only writer of releasedAt until its release reaches the server
        releasedAt.set(System.nanoTime());
        SpoolClient.await(client.releaseLock(name, l.fence()));
    }

    private void read(SpoolClient client, String name) {
        long t0 = System.nanoTime();
        SpoolClient.await(client.getLockState(name));
        record(t0);
    }

    private void record(long t0) {
        long micros = (System.nanoTime() - t0) / 1000;
        recorder.recordValue(Math.min(Math.max(micros, 0), HIGHEST_MICROS));
        ops.increment();
    }

    private int report(PrintWriter out, String target, int n, Histogram h) {
        double perS = measuredOps / measuredS;
        out.printf(Locale.ROOT, "scenario   locks %s (%d clients, %d-byte state)%n", mode, n, stateBytes);
        out.printf(Locale.ROOT, "target     %s%n", target);
        out.printf(Locale.ROOT, "ops        %,d in %.1f s = %,.0f/s%n", measuredOps, measuredS, perS);
        out.printf(Locale.ROOT, "latency    p50 %s  p90 %s  p99 %s  p99.9 %s  max %s ms (%s)%n",
                Runner.ms(h.getValueAtPercentile(50)), Runner.ms(h.getValueAtPercentile(90)),
                Runner.ms(h.getValueAtPercentile(99)), Runner.ms(h.getValueAtPercentile(99.9)),
                Runner.ms(h.getMaxValue()), switch (mode) {
                    case "cycle" -> "acquire + state write + release";
                    case "handoff" -> "release sent to next holder's grant";
                    default -> "one state read";
                });
        out.printf(Locale.ROOT, "errors     %d%s%n", measuredErrors, firstError == null ? "" : " (first: " + firstError + ")");
        out.printf(Locale.ROOT, "RESULT scenario=locks-%s ops_per_s=%.0f p50_ms=%s p99_ms=%s errors=%d%n", mode, perS,
                Runner.ms(h.getValueAtPercentile(50)), Runner.ms(h.getValueAtPercentile(99)), measuredErrors);
        out.flush();
        return measuredOps > 0 ? 0 : 1;
    }
}
