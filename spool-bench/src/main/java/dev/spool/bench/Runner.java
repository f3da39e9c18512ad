package dev.spool.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import dev.spool.api.Broker;
import dev.spool.bench.Driver.ConsumerHandle;
import dev.spool.bench.Driver.Pusher;
import dev.spool.bench.LoadSpec.Transport;

/**
 * Runs one scenario: opens the target, creates the queue and groups, starts consumers then
 * producers, lets them run for {@code --duration}, stops the producers, lets the consumers drain
 * until every acknowledged message was seen (or {@code --drain-timeout} passes), and prints the
 * report ending with the RESULT line.
 *
 * @return 0, or 1 when the audit found a lost message
 */
final class Runner {
    private static final long SETUP_TIMEOUT_S = 60;

    private Runner() {
    }

    static int run(CommonOptions o, LoadSpec spec, PrintWriter out, PrintWriter err) throws Exception {
        return measure(o, spec, out, err).exit();
    }

    /** Runs one scenario as {@link #run} does and returns what it measured. */
    static Report.Outcome measure(CommonOptions o, LoadSpec spec, PrintWriter out, PrintWriter err) throws Exception {
        validate(o, spec);
        if (System.getProperty("spool.log.level") == null && System.getenv("SPOOL_LOG_LEVEL") == null) {
            // the in-process server's INFO lines would interleave with the report
            System.setProperty("spool.log.level", "WARN");
        }
        String queue = o.queue != null ? o.queue
                : "bench-" + spec.scenario() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().daemon().name("bench-scheduler").unstarted(r));
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false)
                .setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors())));
        try (Target target = Target.open(o)) {
            Run run = new Run(spec, o, queue, scheduler);
            setUp(vertx, target, run);
            Driver producers = driver(vertx, spec, target.url(), target.broker(), run);
            Driver driver = target.consumerUrl().equals(target.url()) ? producers
                    : new SplitDriver(producers, driver(vertx, spec, target.consumerUrl(), target.consumerBroker(), run));
            try {
                return drive(target, run, driver, out, err);
            } finally {
                driver.close();
            }
        } finally {
            scheduler.shutdownNow();
            vertx.close().toCompletionStage().toCompletableFuture().get(SETUP_TIMEOUT_S, TimeUnit.SECONDS);
        }
    }

    private static Driver driver(Vertx vertx, LoadSpec spec, URI url, Optional<Broker> broker, Run run) {
        return switch (spec.transport()) {
            case HTTP -> new HttpDriver(vertx, url, run);
            case STREAM -> new StreamDriver(vertx, url, run);
            case INPROCESS -> new InProcessDriver(broker.orElseThrow(), run);
            case SQS -> new SqsDriver(vertx, url, run);
            case JAVA -> new JavaClientDriver(url, run);
        };
    }

    /** Checks what can be checked before anything starts; throws {@link IllegalArgumentException}. */
    static void validate(CommonOptions o, LoadSpec spec) {
        if (spec.transport() == Transport.INPROCESS && o.url != null) {
            throw new IllegalArgumentException("--transport inprocess needs the server in process (no --url)");
        }
        if (o.durationS <= 0 || o.drainTimeoutS < 0 || o.warmupS < 0) {
            throw new IllegalArgumentException(
                    "--duration must be positive, --warmup and --drain-timeout not negative");
        }
        if (o.maxBacklog < 1) {
            throw new IllegalArgumentException("--max-backlog must be at least 1");
        }
        if (o.url != null) {
            Target.parseUrls(o.url);
        }
    }

    /** Creates the queue (large enough for the payloads) and the named groups, reading from the start. */
    private static void setUp(Vertx vertx, Target target, Run run) throws Exception {
        HttpDriver admin = new HttpDriver(vertx, target.url(), run);
        try {
            JsonObject config = new JsonObject();
            if (run.spec.messageBytes() > 8 * 1024 * 1024) {
                config.put("max_message_bytes", Math.max(16L << 20, run.spec.messageBytes() + 1024L));
            }
            String base = "/v1/queues/" + run.queue;
            admin.call(HttpMethod.PUT, base, "application/json", Buffer.buffer(config.encode()))
                    .toCompletionStage().toCompletableFuture().get(SETUP_TIMEOUT_S, TimeUnit.SECONDS);
            for (int g = 1; g < run.spec.groups(); g++) {
                admin.call(HttpMethod.PUT, base + "/groups/" + Run.groupName(g), "application/json",
                        Buffer.buffer("{\"start\":\"earliest\"}"))
                        .toCompletionStage().toCompletableFuture().get(SETUP_TIMEOUT_S, TimeUnit.SECONDS);
            }
        } finally {
            admin.close();
        }
    }

    private static Report.Outcome drive(Target target, Run run, Driver driver, PrintWriter out, PrintWriter err)
            throws Exception {
        LoadSpec spec = run.spec;
        List<ConsumerHandle> consumers = new ArrayList<>();
        for (int g = 0; g < spec.groups(); g++) {
            for (int c = 0; c < spec.consumers(); c++) {
                consumers.add(driver.consumer(g, c).get(SETUP_TIMEOUT_S, TimeUnit.SECONDS));
            }
        }
        List<Pusher> pushers = new ArrayList<>();
        for (int p = 0; p < spec.producers(); p++) {
            pushers.add(driver.producer(p).get(SETUP_TIMEOUT_S, TimeUnit.SECONDS));
        }
        HeapWatch heap = target.inProcess() ? new HeapWatch() : null;
        Progress progress = new Progress(run, heap, err);
        Producers producers = new Producers(run, pushers);
        if (!run.options.noProgress) {
            progress.start();
        }
        producers.start();
        if (run.options.warmupS > 0) {
            parkUntil(System.nanoTime() + (long) (run.options.warmupS * 1e9));
            run.stats.resetLatencies();
        }
        Recording jfr = startJfr(run.options.jfr);
        double load0 = loadAverage();
        CpuSplit cpu0 = CpuSplit.take(target.inProcess());
        Optional<ServerProcess> server = target.inProcess() ? Optional.empty() : ServerProcess.find(target.url());
        Map<String, Double> server0 = server.map(ServerProcess::sample).orElse(Map.of());
        int fromStamp = run.stats.stamp();
        long t0 = System.nanoTime();
        long deliveries0 = run.stats.deliveries.sum();
        long pushed0 = run.stats.pushedMessages.sum();
        progress.measuring();
        parkUntil(t0 + (long) (run.options.durationS * 1e9));
        CompletableFuture<Void> stopped = producers.stop();
        stopped.get(SETUP_TIMEOUT_S + 60, TimeUnit.SECONDS);
        long t1 = System.nanoTime();
        long delivered = run.stats.deliveries.sum() - deliveries0;
        long pushed = run.stats.pushedMessages.sum() - pushed0;
        boolean drained = drain(run);
        long t2 = System.nanoTime();
        CompletableFuture<?>[] stops = new CompletableFuture<?>[consumers.size()];
        for (int i = 0; i < stops.length; i++) {
            stops[i] = consumers.get(i).stop();
        }
        CompletableFuture.allOf(stops).get(SETUP_TIMEOUT_S, TimeUnit.SECONDS);
        progress.stop();
        CpuSplit cpu1 = CpuSplit.take(target.inProcess());
        Map<String, Double> cpu = new LinkedHashMap<>(cpu1.since(cpu0));
        if (server.isPresent()) {
            err.println("cpu: server at " + target.url() + " is local process " + server.get().pid());
            cpu.putAll(ServerProcess.since(server0, server.get().sample()));
        }
        double load1 = loadAverage();
        stopJfr(jfr, run.options.jfr, err);
        Report report = new Report(run, target, new Report.Window((t1 - t0) / 1e9, (t2 - t1) / 1e9, drained, pushed,
                delivered, fromStamp, load0, load1));
        return report.print(out, err, cpu, cpu1.wallSince(cpu0), heap == null ? null : heap.report());
    }

    private static Recording startJfr(String file) throws IOException, ParseException {
        if (file == null) {
            return null;
        }
        Recording r = new Recording(Configuration.getConfiguration("profile"));
        r.setName("spool-bench");
        r.start();
        return r;
    }

    private static void stopJfr(Recording r, String file, PrintWriter err) throws IOException {
        if (r == null) {
            return;
        }
        r.stop();
        r.dump(Path.of(file));
        r.close();
        err.println("jfr: wrote " + file + " (try: jfr view hot-methods " + file + ")");
    }

    /** The system load average over the last minute, or -1 where the platform has none. */
    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static boolean drain(Run run) {
        long deadline = System.nanoTime() + (long) (run.options.drainTimeoutS * 1e9);
        while (true) {
            boolean all = true;
            for (Audit a : run.audits) {
                if (!a.complete()) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private static void parkUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    static String ms(double micros) {
        return String.format(Locale.ROOT, "%.3f", micros / 1000.0);
    }
}
