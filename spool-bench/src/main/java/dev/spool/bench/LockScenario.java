package dev.spool.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

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
import dev.spool.api.TxOp;
import dev.spool.client.ClientOptions;
import dev.spool.client.SpoolClient;

/**
 * {@code spool bench locks}: the lock scenarios of issue 13, through the Java client over HTTP, or
 * with {@code --form stream} as frames on {@code /v1/stream} sockets ({@link LockStream}, one per
 * client).
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
            "reads (public state reads). Prints ops/s and latency percentiles.",
            "--form stream runs any mode as frames on one /v1/stream socket per client."})
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

    @Option(names = "--in-flight", defaultValue = "1",
            description = "cycle (and reads with --form stream): operations each client keeps in flight, each cycle on a "
                + "lock of its own (default: ${DEFAULT-VALUE})")
    int inFlight;

    @Option(names = "--form", defaultValue = "three",
            description = "cycle: three (acquire, state PUT, release), tx (acquire, then one /v1/tx with the "
                + "state write and the release) or one (one /v1/tx: acquire, state write, release); stream, for "
                + "every mode: frames on /v1/stream (cycle: one tx frame; reads: read_state frames; handoff: "
                + "acquire and release frames) (default: ${DEFAULT-VALUE})")
    String form;

    @Option(names = "--state-bytes", defaultValue = "4096", description = "state document size (default: ${DEFAULT-VALUE})")
    int stateBytes;

    @Option(names = "--state", defaultValue = "bytes",
            description = "bytes (random bytes, application/octet-stream; base64 in a stream frame) or json (a JSON "
                + "object, application/json; a stream frame carries it as JSON) (default: ${DEFAULT-VALUE})")
    String stateKind;

    private final Recorder recorder = new Recorder(HIGHEST_MICROS, 3);
    private final LongAdder ops = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final AtomicLong releasedAt = new AtomicLong();
    /** Hand-off: release-reply and grant times waiting for their other half (see {@link #pair}). */
    private final java.util.concurrent.ConcurrentHashMap<Long, Long> halves = new java.util.concurrent.ConcurrentHashMap<>();
    private final Recorder replyToReply = new Recorder(HIGHEST_MICROS, 3);
    private volatile boolean stop;
    /** Whether the state is a JSON document ({@code --state json}), and its content type. */
    private boolean json;
    private String contentType;
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
        if (stateBytes < 0 || common.durationS <= 0 || common.warmupS < 0 || inFlight < 1 || inFlight > 1024) {
            throw new ParameterException(command.commandLine(),
                    "--state-bytes, --duration and --warmup must be positive, --in-flight 1 to 1024");
        }
        if (!"three".equals(form) && !"tx".equals(form) && !"one".equals(form) && !"stream".equals(form)) {
            throw new ParameterException(command.commandLine(), "--form is three, tx, one or stream");
        }
        if ("stream".equals(form) && stateBytes > 48 * 1024) {
            throw new ParameterException(command.commandLine(), "--form stream reads and writes states of at most "
                    + "48 KiB (a read_state frame carries at most 64 KiB, a tx frame is bounded by max-request-bytes)");
        }
        if (System.getProperty("spool.log.level") == null && System.getenv("SPOOL_LOG_LEVEL") == null) {
            System.setProperty("spool.log.level", "WARN");
        }
        if (!"json".equals(stateKind) && !"bytes".equals(stateKind)) {
            throw new ParameterException(command.commandLine(), "--state is bytes or json");
        }
        if ("json".equals(stateKind) && stateBytes < StateDocs.MIN_JSON) {
            throw new ParameterException(command.commandLine(), "--state json needs --state-bytes of at least "
                    + StateDocs.MIN_JSON);
        }
        json = "json".equals(stateKind);
        contentType = json ? "application/json" : "application/octet-stream";
        String prefix = "bench-locks-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        byte[] state = json ? StateDocs.json(stateBytes) : StateDocs.bytes(stateBytes);
        try (Target target = Target.open(common);
             SpoolClient client = connect(target.url(), n);
             SpoolClient second = target.consumerUrl().equals(target.url()) ? null : connect(target.consumerUrl(), n);
             LockStream streams = stream() ? LockStream.open(target.url(), common) : null;
             LockStream secondStreams = stream() && second != null ? LockStream.open(target.consumerUrl(), common) : null) {
            if ("reads".equals(mode)) {
                LockLease l = SpoolClient.await(client.acquireLock(prefix, new LockRequest("bench", 3_600_000, 0)));
                SpoolClient.await(client.putLockState(prefix, new LockStateWrite(l.fence(), Payload.of(state),
                        contentType, OptionalLong.empty())));
            }
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = i;
                // two servers (PostgreSQL, or two --url): every other client on the second one, so that
                // hand-offs cross servers and both servers carry the load
                boolean other = second != null && i % 2 == 1;
                SpoolClient c = other ? second : client;
                LockStream.Conn conn = !stream() ? null : other ? secondStreams.connect() : streams.connect();
                threads.add(Thread.ofPlatform().daemon().name("bench-lock-" + i)
                        .start(() -> loop(c, conn, id, prefix, state)));
            }
            // the two-server description speaks of producers and consumers; lock clients alternate instead
            String where = second == null ? target.description()
                    : target.description().replace(" (producers on one, consumers on the other)", "")
                            .replace(" (producers, consumers)", "") + ", lock clients alternating between the two";
            warmUp(err, where, n);
            // CPU is counted over the measured seconds only, as the load scenarios do (after the warm-up)
            cpuStart = CpuSplit.take(target.inProcess());
            // a local server in its own process is measured from /proc, as the load scenarios do
            java.util.Optional<ServerProcess> server = target.inProcess() ? java.util.Optional.empty()
                    : ServerProcess.find(target.url());
            java.util.Map<String, Double> server0 = server.map(ServerProcess::sample).orElse(java.util.Map.of());
            Histogram total = measure(err);
            cpuEnd = CpuSplit.take(target.inProcess());
            serverCpu = server.map(p -> ServerProcess.since(server0, p.sample())).orElse(java.util.Map.of());
            server.ifPresent(p -> err.println("cpu: server at " + target.url() + " is local process " + p.pid()));
            stop = true;
            for (Thread t : threads) {
                t.join(HANDOFF_WAIT_MS + 10_000);
            }
            return report(out, where, n, total);
        }
    }

    private void warmUp(PrintWriter err, String target, int n) throws InterruptedException {
        err.printf(Locale.ROOT, "locks %s: %d clients, %d-byte %s state%s, %s%n", mode, n, stateBytes,
                json ? "JSON" : "bytes", cycleShape(), target);
        tick(err, common.warmupS, "  (warm-up)");
    }

    private Histogram measure(PrintWriter err) throws InterruptedException {
        recorder.getIntervalHistogram();
        replyToReply.getIntervalHistogram();
        halves.clear();
        long before = ops.sum();
        long errorsBefore = errors.sum();
        long t0 = System.nanoTime();
        Histogram total = tick(err, common.durationS, "");
        measuredOps = ops.sum() - before;
        measuredErrors = errors.sum() - errorsBefore;
        measuredS = (System.nanoTime() - t0) / 1e9;
        return total;
    }

    private CpuSplit cpuStart;
    private CpuSplit cpuEnd;
    /** CPU seconds of a local server process over the measured window, by thread group; empty if none. */
    private java.util.Map<String, Double> serverCpu = java.util.Map.of();
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

    private SpoolClient connect(java.net.URI url, int n) {
        return SpoolClient.connect(secured(ClientOptions.of(url.toString()).withMaxConnections(n * inFlight + 8)
                .withEventLoops(Math.min(4, Runtime.getRuntime().availableProcessors()))));
    }

    /** The client options with the run's token and CA file, when given. */
    private ClientOptions secured(ClientOptions o) {
        ClientOptions out = o;
        if (common.authToken != null && !common.authToken.isEmpty()) {
            out = out.withToken(common.authToken);
        }
        return common.cacert == null ? out : out.withCaFile(java.nio.file.Path.of(common.cacert));
    }

    private boolean stream() {
        return "stream".equals(form);
    }

    private void loop(SpoolClient client, LockStream.Conn conn, int id, String prefix, byte[] state) {
        String own = prefix + "-" + id;
        String owner = "bench-" + id;
        // each chain's tx frame is made once (its req is appended per cycle)
        LockStream.CycleFrame[] frames = new LockStream.CycleFrame[inFlight];
        while (!stop) {
            try {
                switch (mode) {
                    case "cycle" -> chains(k -> {
                        String name = inFlight == 1 ? own : own + "-" + k;
                        if (conn == null) {
                            return cycle(client, name, owner, state);
                        }
                        if (frames[k] == null) {
                            frames[k] = LockStream.cycleFrame(name, owner, TTL_MS, state, json);
                        }
                        return conn.cycle(frames[k]);
                    });
                    case "handoff" -> {
                        if (conn != null) {
                            streamHandoff(conn, prefix, owner);
                        } else {
                            handoff(client, prefix, owner);
                        }
                    }
                    default -> {
                        if (conn != null) {
                            chains(k -> conn.readState(prefix));
                        } else {
                            read(client, prefix);
                        }
                    }
                }
            } catch (SpoolException e) {
                failed(e);
            } catch (java.util.concurrent.CompletionException e) {
                failed(e.getCause() != null ? e.getCause() : e);
            }
        }
        if (conn != null) {
            conn.close();
        }
    }

    private void failed(Throwable t) {
        CpuSplit.markLoad();
        if (t instanceof SpoolException e && e.code() == ErrorCode.LOCK_HELD && "handoff".equals(mode)) {
            return;
        }
        errors.increment();
        if (firstError == null) {
            firstError = t instanceof SpoolException e ? e.code().id() + ": " + e.getMessage() : t.toString();
        }
    }

    private String cycleShape() {
        if ("cycle".equals(mode) || "reads".equals(mode) && stream()) {
            return ", " + inFlight + " in flight per client, form " + form;
        }
        return stream() ? ", form stream" : "";
    }

    /**
     * Keeps {@code --in-flight} chains of operations going until the run stops; {@code op.apply(k)}
     * starts chain k's next operation (for cycles, each chain has a lock of its own).
     */
    private void chains(IntFunction<CompletionStage<?>> op) {
        List<CompletableFuture<Void>> chains = new ArrayList<>();
        for (int k = 0; k < inFlight; k++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            next(op, k, done);
            chains.add(done);
        }
        CompletableFuture.allOf(chains.toArray(CompletableFuture[]::new)).join();
    }

    /**
     * Runs chain k's operations one after the other until the run stops. One that completes
     * asynchronously continues from its completion; one that is already complete (a failure on the
     * spot) continues in this loop, so the chain never recurses deeply.
     */
    private void next(IntFunction<CompletionStage<?>> op, int k, CompletableFuture<Void> done) {
        while (!stop) {
            long t0 = System.nanoTime();
            CompletableFuture<?> c = op.apply(k).toCompletableFuture();
            if (!c.isDone()) {
                c.whenComplete((v, e) -> {
                    finished(t0, e);
                    next(op, k, done);
                });
                return;
            }
            finished(t0, c.isCompletedExceptionally() ? c.exceptionNow() : null);
        }
        done.complete(null);
    }

    private void finished(long t0, Throwable e) {
        if (e == null) {
            record(t0);
        } else {
            failed(e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e);
        }
    }

    private CompletionStage<Void> cycle(SpoolClient client, String name, String owner, byte[] state) {
        if ("one".equals(form)) {
            return client.lock(name).owner(owner).ttl(java.time.Duration.ofMillis(TTL_MS))
                    .acquireWriteReleaseAsync(Payload.of(state), contentType).thenApply(l -> null);
        }
        return marked(client.acquireLock(name, new LockRequest(owner, TTL_MS, 0))).thenCompose(l -> {
            LockStateWrite w = new LockStateWrite(l.fence(), Payload.of(state), contentType, OptionalLong.empty());
            if ("tx".equals(form)) {
                return client.transact(List.of(new TxOp.LockStatePut(name, w), new TxOp.LockRelease(name, l.fence())))
                        .thenApply(r -> null);
            }
            return client.putLockState(name, w).thenCompose(info -> client.releaseLock(name, l.fence()));
        });
    }

    private void handoff(SpoolClient client, String name, String owner) {
        LockLease l = SpoolClient.await(marked(client.acquireLock(name, new LockRequest(owner, TTL_MS, HANDOFF_WAIT_MS))));
        long granted = System.nanoTime();
        long released = releasedAt.get();
        if (released != 0) {
            record(released);
        }
        pair(l.token(), granted);
        // the holder is the only writer of releasedAt until its release reaches the server
        releasedAt.set(System.nanoTime());
        SpoolClient.await(marked(client.releaseLock(name, l.fence())));
        pair(-(l.token() + 1), System.nanoTime());
    }

    /** {@link #handoff} with acquire and release frames on the client's socket. */
    private void streamHandoff(LockStream.Conn conn, String name, String owner) {
        Frames.Frame l = conn.acquire(name, owner, TTL_MS, HANDOFF_WAIT_MS).join();
        CpuSplit.markLoad();
        long granted = System.nanoTime();
        long released = releasedAt.get();
        if (released != 0) {
            record(released);
        }
        pair(l.token, granted);
        releasedAt.set(System.nanoTime());
        conn.release(name, l.leaseId, l.token).join();
        pair(-(l.token + 1), System.nanoTime());
    }

    /**
     * Pairs the release reply of the holder of token t (key -(t+1)) with the grant of token t+1 (key
     * t+1), whichever arrives second, into the reply-to-reply histogram; a grant that arrived first
     * counts as 0.
     */
    private void pair(long key, long nanos) {
        Long other = halves.remove(-key);
        if (other == null) {
            halves.put(key, nanos);
            return;
        }
        long grant = key > 0 ? nanos : other;
        long releaseReply = key > 0 ? other : nanos;
        replyToReply.recordValue(Math.min(Math.max((grant - releaseReply) / 1000, 0), HIGHEST_MICROS));
    }

    /** Marks the client's thread that completes {@code stage} as load generator (for the CPU split). */
    private static <T> CompletionStage<T> marked(CompletionStage<T> stage) {
        return stage.whenComplete((v, e) -> CpuSplit.markLoad());
    }

    private void read(SpoolClient client, String name) {
        long t0 = System.nanoTime();
        SpoolClient.await(marked(client.getLockState(name)));
        record(t0);
    }

    private void record(long t0) {
        CpuSplit.markLoad();
        long micros = (System.nanoTime() - t0) / 1000;
        recorder.recordValue(Math.min(Math.max(micros, 0), HIGHEST_MICROS));
        ops.increment();
    }

    /**
     * CPU per operation by thread group: the server's when it runs in this process, or in another
     * process on this machine ({@code --url} on loopback, from {@code /proc}).
     */
    private void printCpu(PrintWriter out) {
        if (measuredOps == 0) {
            return;
        }
        StringBuilder sb = new StringBuilder("cpu/op    ");
        java.util.Map<String, Double> cpu = new java.util.LinkedHashMap<>(cpuEnd.since(cpuStart));
        cpu.putAll(serverCpu);
        for (java.util.Map.Entry<String, Double> e : cpu.entrySet()) {
            if (e.getValue() >= 0.0005) {
                sb.append(String.format(Locale.ROOT, " %s %.1f us;", e.getKey(), 1e6 * e.getValue() / measuredOps));
            }
        }
        out.println(sb);
    }

    private int report(PrintWriter out, String target, int n, Histogram h) {
        double perS = measuredOps / measuredS;
        out.printf(Locale.ROOT, "scenario   locks %s (%d clients, %d-byte %s state%s)%n", mode, n, stateBytes,
                json ? "JSON" : "bytes", cycleShape());
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
        if ("handoff".equals(mode)) {
            Histogram r = replyToReply.getIntervalHistogram();
            out.printf(Locale.ROOT, "reply gap  p50 %s  p90 %s  p99 %s  p99.9 %s  max %s ms (release reply to next grant"
                    + " reply, %d pairs; 0 = grant first)%n", Runner.ms(r.getValueAtPercentile(50)),
                    Runner.ms(r.getValueAtPercentile(90)), Runner.ms(r.getValueAtPercentile(99)),
                    Runner.ms(r.getValueAtPercentile(99.9)), Runner.ms(r.getMaxValue()), r.getTotalCount());
        }
        printCpu(out);
        out.printf(Locale.ROOT, "errors     %d%s%n", measuredErrors, firstError == null ? "" : " (first: " + firstError + ")");
        out.printf(Locale.ROOT, "RESULT scenario=locks-%s ops_per_s=%.0f p50_ms=%s p99_ms=%s errors=%d%n", mode, perS,
                Runner.ms(h.getValueAtPercentile(50)), Runner.ms(h.getValueAtPercentile(99)), measuredErrors);
        out.flush();
        return measuredOps > 0 ? 0 : 1;
    }
}
