package dev.spool.bench;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;
import dev.spool.server.push.PushSettings;

/**
 * {@code spool bench push}: push delivery to local HTTP endpoints (Vert.x servers on 127.0.0.1 in
 * this process, one push group each), from a server started in process or, with {@code --url}, a
 * separate {@code ./spool serve -s push-allow=127.0.0.1}. Messages are pushed in JSON batches by
 * several producer threads so that the producer is not the limit (a payload over 6 MiB as the raw
 * body of its push); every message is delivered to
 * every endpoint. The report gives deliveries per second, the time from the start of the push
 * request to the end of each delivery's body at the endpoint (percentiles), the total time, the heap,
 * and (server in process) the server's CPU time per delivery. Figures are to be recorded in
 * {@code docs/benchmarks.md} on a quiet machine.
 */
@Command(name = "push", sortOptions = false,
        description = {"Push delivery to local HTTP endpoints, one push group each, the first the queue's default group (docs/push.md).",
            "Reports deliveries/s, push-to-delivered latency percentiles, total time, heap and server CPU per delivery."})
final class PushBench implements Callable<Integer> {
    private static final int MAX_BATCH_BYTES = 8 << 20;

    @Spec
    CommandSpec command;
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;
    @Option(names = "--endpoints", defaultValue = "10", description = "endpoints = push groups (default: ${DEFAULT-VALUE})")
    int endpoints;
    @Option(names = "--messages", defaultValue = "1000", description = "messages pushed (default: ${DEFAULT-VALUE})")
    int messages;
    @Option(names = "--size", defaultValue = "1024", description = "payload bytes (default: ${DEFAULT-VALUE})")
    int size;
    @Option(names = "--concurrency", defaultValue = "50", description = "per push group (default: ${DEFAULT-VALUE})")
    int concurrency;
    @Option(names = "--storage", defaultValue = "journal", description = "journal (temp dir, fsync=always) or memory")
    String storage;
    @Option(names = "--producers", defaultValue = "4", description = "threads pushing (default: ${DEFAULT-VALUE})")
    int producers;
    @Option(names = "--batch", defaultValue = "100",
            description = "messages per push request, fewer when they exceed 8 MiB (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--rate", defaultValue = "0",
            description = "messages pushed per second, paced (open loop: a batch that waits for a request slot counts"
                    + " from when it was due); 0 = as fast as the producers go (default: ${DEFAULT-VALUE})")
    int rate;
    @Option(names = "--warmup", defaultValue = "0",
            description = "seconds at the start whose messages are delivered and audited but not in the latency"
                    + " percentiles (default: ${DEFAULT-VALUE})")
    double warmupS;
    @Option(names = "--url",
            description = "a running server (started with -s push-allow=127.0.0.1) instead of one in process")
    String url;
    @Option(names = "--cacert", paramLabel = "FILE", description = "PEM CA bundle that verifies an https:// --url")
    String cacert;
    @Option(names = "--auth-token", paramLabel = "TOKEN", defaultValue = "${env:SPOOL_TOKEN}",
            description = "bearer token sent with every request (default: $SPOOL_TOKEN); never printed")
    String authToken;
    @Option(names = "--timeout-s", defaultValue = "300", description = "give up after (default: ${DEFAULT-VALUE})")
    int timeoutS;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        if (endpoints < 1 || messages < 1 || size < 0 || concurrency < 1 || timeoutS < 1 || producers < 1
                || batch < 1) {
            throw new picocli.CommandLine.ParameterException(command.commandLine(), "counts must be positive");
        }
        if (rate < 0 || warmupS < 0 || Double.isNaN(warmupS)) {
            throw new picocli.CommandLine.ParameterException(command.commandLine(),
                    "--rate and --warmup must not be negative (0: no pacing, no warm-up)");
        }
        if (rate > 0 && size * 4L / 3 + 64 > MAX_BATCH_BYTES) {
            throw new picocli.CommandLine.ParameterException(command.commandLine(),
                    "--rate paces JSON batches; a payload over 6 MiB is pushed raw, as fast as the producers go");
        }
        int perBatch = (int) Math.max(1, Math.min(batch, MAX_BATCH_BYTES / Math.max(1L, size * 4L / 3 + 64)));
        BenchEndpoints eps = new BenchEndpoints(endpoints);
        SpoolServer spool = null;
        try {
            String base = url;
            if (base == null) {
                Path dir = Files.createTempDirectory("spool-bench-push");
                ServerConfig m = ServerConfig.ephemeralMemory();
                ServerConfig c = m.withPush(PushSettings.DEFAULTS.withAllow(List.of("127.0.0.1")))
                        .withListener(m.listener().withMaxRequestBytes(Math.max(m.listener().maxRequestBytes(),
                                2L * MAX_BATCH_BYTES)));
                if ("journal".equals(storage)) {
                    c = c.withStorage(c.storage().withStorage(ServerConfig.Storage.JOURNAL).withDataDir(dir));
                }
                spool = SpoolServer.start(c).toCompletableFuture().get(60, TimeUnit.SECONDS);
                base = spool.url();
            }
            HttpClient.Builder hb = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
            if (cacert != null) {
                hb.sslContext(dev.spool.api.TlsFiles.clientContext(Optional.of(Path.of(cacert)), Optional.empty(),
                        Optional.empty()));
            }
            HttpClient http = hb.build();
            String queue = "bench-push-" + Long.toHexString(System.nanoTime());
            send(http, "PUT", base + "/v1/queues/" + queue, "{\"max_message_bytes\": " + Math.max(1, size) + "}");
            for (int i = 0; i < endpoints; i++) {
                String cfg = "{\"url\": \"" + eps.url(i) + "\", \"concurrency\": " + concurrency
                        + ", \"timeout_ms\": 60000}";
                // the first endpoint is the queue's own group: delivered messages are finished, not kept
                send(http, "PUT", base + "/v1/queues/" + queue + "/push/" + (i == 0 ? "default" : "e" + i), cfg);
            }
            byte[] payload = new byte[size];
            new java.util.Random(7).nextBytes(payload);
            String item = "{\"payload_base64\": \"" + Base64.getEncoder().encodeToString(payload) + "\"}";
            Map<Long, Long> sentAt = new ConcurrentHashMap<>();
            HeapWatch heap = new HeapWatch();
            boolean inProcess = spool != null;
            CpuSplit[] cpu0 = {null};
            long[] started = {0};
            boolean raw = size * 4L / 3 + 64 > MAX_BATCH_BYTES;
            // the clock starts once the producer is ready (not while its Vert.x instance starts)
            produce(http, base + "/v1/queues/" + queue + "/messages", raw ? null : item, payload, perBatch, sentAt,
                    () -> {
                        cpu0[0] = CpuSplit.take(inProcess);
                        started[0] = System.nanoTime();
                    });
            long start = started[0];
            long expected = (long) messages * endpoints;
            long deadline = start + TimeUnit.SECONDS.toNanos(timeoutS);
            while (eps.delivered() < expected && System.nanoTime() < deadline) {
                heap.sample();
                // polling the endpoints' count while they work
                LockSupport.parkNanos(5_000_000L);
            }
            double secs = (System.nanoTime() - start) / 1e9;
            CpuSplit cpu1 = CpuSplit.take(spool != null);
            return report(out, eps, sentAt, expected, secs, heap, cpu1.since(cpu0[0]),
                    start + Math.round(warmupS * 1e9));
        } finally {
            if (spool != null) {
                spool.close();
            }
            eps.close();
        }
    }

    /**
     * Pushes the messages: JSON batches of {@code item} over Vert.x's client ({@link PushProducer},
     * paced by {@code --rate}), or, when one message's JSON would pass the 8 MiB batch budget (a
     * payload over 6 MiB; {@code item} is null then), each payload as the raw body of its push (as a
     * firmware image is uploaded: no base64, stored in the journal as it came).
     */
    private void produce(HttpClient http, String pushUrl, String item, byte[] payload, int perBatch,
            Map<Long, Long> sentAt, Runnable onStart) throws Exception {
        if (item != null) {
            CommonOptions o = new CommonOptions();
            o.cacert = cacert;
            o.authToken = authToken;
            URI u = URI.create(pushUrl);
            try (PushProducer p = PushProducer.open(u, o, u.getRawPath(), item, messages, perBatch, producers, rate,
                    sentAt)) {
                onStart.run();
                p.run(timeoutS);
            }
            return;
        }
        onStart.run();
        AtomicInteger left = new AtomicInteger(messages);
        ExecutorService pool = Executors.newFixedThreadPool(producers, r -> {
            Thread t = new Thread(r, "bench-push-producer");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                done.add(pool.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        long t0 = System.nanoTime();
                        String reply = send(http, "POST", pushUrl, "application/octet-stream",
                                HttpRequest.BodyPublishers.ofByteArray(payload));
                        for (long id : PushProducer.ids(reply)) {
                            sentAt.put(id, t0);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private int report(PrintWriter out, BenchEndpoints eps, Map<Long, Long> sentAt, long expected, double secs,
            HeapWatch heap, Map<String, Double> cpu, long measuredFrom) {
        Histogram latency = new Histogram(TimeUnit.HOURS.toNanos(1), 3);
        long[] arrivals = {0};
        long distinctCount = 0;
        for (int e = 0; e < endpoints; e++) {
            Set<Long> distinct = new HashSet<>();
            eps.arrivals(e).forEach((id, at) -> {
                arrivals[0]++;
                distinct.add(id);
                Long t0 = sentAt.get(id);
                if (t0 != null && t0 >= measuredFrom) {
                    latency.recordValue(Math.max(0, at - t0));
                }
            });
            distinctCount += distinct.size();
        }
        long dup = arrivals[0] - distinctCount;
        long lost = expected - distinctCount;
        out.printf(Locale.ROOT, "%s%n", heap.report());
        double server = 0;
        for (Map.Entry<String, Double> e : cpu.entrySet()) {
            out.printf(Locale.ROOT, "cpu %-32s %8.3f s%n", e.getKey(), e.getValue());
            if (e.getKey().startsWith("server ")) {
                server += e.getValue();
            }
        }
        String perDelivery = url == null && distinctCount > 0
                ? String.format(Locale.ROOT, " server_cpu_us_per_delivery=%.1f", server * 1e6 / distinctCount) : "";
        out.printf(Locale.ROOT, "RESULT scenario=push msgs_per_s=%d p50_ms=%.3f p99_ms=%.3f lost=%d duplicated=%d "
                + "endpoints=%d messages=%d size=%d concurrency=%d rate=%d deliveries=%d total_s=%.3f max_ms=%.3f%s%n",
                Math.round(distinctCount / secs), latency.getValueAtPercentile(50) / 1e6,
                latency.getValueAtPercentile(99) / 1e6, lost, dup, endpoints, messages, size, concurrency, rate,
                arrivals[0], secs, latency.getMaxValue() / 1e6, perDelivery);
        out.flush();
        return lost == 0 ? 0 : 1;
    }

    private String send(HttpClient http, String method, String url, String json) throws Exception {
        return send(http, method, url, "application/json", HttpRequest.BodyPublishers.ofString(json));
    }

    private String send(HttpClient http, String method, String url, String type, HttpRequest.BodyPublisher body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", type).method(method, body);
        if (authToken != null && !authToken.isEmpty()) {
            b.header("Authorization", "Bearer " + authToken);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(method + " " + url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }
}
