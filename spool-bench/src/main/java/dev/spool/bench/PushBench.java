package dev.spool.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;
import dev.spool.server.push.PushSettings;

/**
 * {@code spool bench push}: push delivery from a server started in process to local HTTP endpoints
 * (the JDK's HTTP server on 127.0.0.1), one push group per endpoint. Every message is pushed once
 * and delivered to every endpoint; the report gives deliveries per second, the time from the start of
 * the push request to the end of each delivery's body at the endpoint (percentiles), the total time
 * and the heap. Figures are to be recorded in {@code docs/benchmarks.md} on a quiet machine.
 */
@Command(name = "push", sortOptions = false,
        description = {"Push delivery to local HTTP endpoints, one push group each (docs/push.md).",
            "Reports deliveries/s, push-to-delivered latency percentiles, total time and heap."})
final class PushBench implements Callable<Integer> {
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
    @Option(names = "--timeout-s", defaultValue = "300", description = "give up after (default: ${DEFAULT-VALUE})")
    int timeoutS;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        if (endpoints < 1 || messages < 1 || size < 0 || concurrency < 1 || timeoutS < 1) {
            throw new picocli.CommandLine.ParameterException(command.commandLine(), "counts must be positive");
        }
        Path dir = Files.createTempDirectory("spool-bench-push");
        ServerConfig c = ServerConfig.ephemeralMemory().withPush(PushSettings.DEFAULTS.withAllow(List.of("127.0.0.1")));
        if ("journal".equals(storage)) {
            c = c.withStorage(c.storage().withStorage(ServerConfig.Storage.JOURNAL).withDataDir(dir));
        }
        Histogram latency = new Histogram(TimeUnit.HOURS.toNanos(1), 3);
        AtomicLong delivered = new AtomicLong();
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Queue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
        List<HttpServer> servers = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(200, endpoints * Math.min(concurrency, 8)));
        HeapWatch heap = new HeapWatch();
        try (SpoolServer spool = SpoolServer.start(c).toCompletableFuture().get(60, TimeUnit.SECONDS)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            send(http, "PUT", spool.url() + "/v1/queues/bench", "{}".getBytes(), "application/json");
            for (int i = 0; i < endpoints; i++) {
                HttpServer s = endpoint(i, pool, arrivals, delivered);
                servers.add(s);
                String cfg = "{\"url\": \"http://127.0.0.1:" + s.getAddress().getPort() + "/in\", \"concurrency\": "
                        + concurrency + ", \"timeout_ms\": 60000}";
                send(http, "PUT", spool.url() + "/v1/queues/bench/push/e" + i, cfg.getBytes(), "application/json");
            }
            byte[] payload = new byte[size];
            new java.util.Random(7).nextBytes(payload);
            long start = System.nanoTime();
            for (int m = 0; m < messages; m++) {
                long t0 = System.nanoTime();
                sentAt.put(send(http, "POST", spool.url() + "/v1/queues/bench/messages", payload,
                        "application/octet-stream"), t0);
            }
            long expected = (long) messages * endpoints;
            long deadline = start + TimeUnit.SECONDS.toNanos(timeoutS);
            while (delivered.get() < expected && System.nanoTime() < deadline) {
                heap.sample();
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
            }
            double secs = (System.nanoTime() - start) / 1e9;
            for (Arrival a : arrivals) {
                Long t0 = sentAt.get(a.id());
                if (t0 != null) {
                    latency.recordValue(Math.max(0, a.atNanos() - t0));
                }
            }
            out.printf(Locale.ROOT, "%s%n", heap.report());
            java.util.Set<String> distinct = new java.util.HashSet<>();
            for (Arrival a : arrivals) {
                distinct.add(a.endpoint() + "/" + a.id());
            }
            long dup = arrivals.size() - distinct.size();
            long lost = expected - distinct.size();
            out.printf(Locale.ROOT, "RESULT scenario=push msgs_per_s=%d p50_ms=%.3f p99_ms=%.3f lost=%d duplicated=%d "
                    + "endpoints=%d messages=%d size=%d concurrency=%d deliveries=%d total_s=%.3f max_ms=%.3f%n",
                    Math.round(distinct.size() / secs), latency.getValueAtPercentile(50) / 1e6,
                    latency.getValueAtPercentile(99) / 1e6, lost, dup, endpoints, messages, size, concurrency,
                    arrivals.size(), secs, latency.getMaxValue() / 1e6);
            out.flush();
            return lost == 0 ? 0 : 1;
        } finally {
            for (HttpServer s : servers) {
                s.stop(0);
            }
            pool.shutdownNow();
        }
    }

    /** A delivery as an endpoint saw it end. */
    private record Arrival(int endpoint, String id, long atNanos) {
    }

    private static HttpServer endpoint(int index, ExecutorService pool, Queue<Arrival> arrivals, AtomicLong delivered)
            throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1_000);
        s.setExecutor(pool);
        s.createContext("/", ex -> {
            try (InputStream in = ex.getRequestBody()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            arrivals.add(new Arrival(index, ex.getRequestHeaders().getFirst("Spool-Message-Id"), System.nanoTime()));
            delivered.incrementAndGet();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        s.start();
        return s;
    }

    private static String send(HttpClient http, String method, String url, byte[] body, String type) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", type).method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(method + " " + url + " answered " + r.statusCode() + ": " + r.body());
        }
        int q = r.body().indexOf("\"ids\"");
        if (q < 0) {
            return "";
        }
        int open = r.body().indexOf('"', r.body().indexOf('[', q)) + 1;
        return r.body().substring(open, r.body().indexOf('"', open));
    }
}
