package dev.spool.server.push;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A push target for tests: the JDK's HTTP server on 127.0.0.1, answering each request with what
 * the test's function says, and recording every request (headers, SHA-256 and the first MiB of the
 * body, when it arrived) and the most requests it held at once (from arrival until its answer
 * starts).
 */
final class Endpoint implements AutoCloseable {
    private static final int KEEP_BYTES = 1 << 20;

    /** One request as the endpoint saw it. Header names lower case. */
    record Request(Map<String, String> headers, byte[] body, long size, String sha256, long atNanos, int seq) {
        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** What to answer; {@code holdMs} is how long to keep the request open before answering. */
    record Reply(int status, String body, Map<String, String> headers, long holdMs) {
        static Reply status(int status) {
            return new Reply(status, "", Map.of(), 0);
        }
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger current = new AtomicInteger();
    final AtomicInteger maxConcurrent = new AtomicInteger();
    private final AtomicInteger seq = new AtomicInteger();
    private volatile Function<Request, Reply> answer;

    Endpoint(Function<Request, Reply> answer) throws IOException {
        this(0, answer);
    }

    Endpoint(int port, Function<Request, Reply> answer) throws IOException {
        this.answer = answer;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 200);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    void answer(Function<Request, Reply> a) {
        answer = a;
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        int now = current.incrementAndGet();
        maxConcurrent.accumulateAndGet(now, Math::max);
        boolean held = true;
        try {
            Map<String, String> h = new TreeMap<>();
            ex.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
            // where the request went (a fleet's endpoints are paths of one test server)
            h.put("spool-test-path", ex.getRequestURI().getPath());
            MessageDigest md = sha();
            byte[] kept;
            long size = 0;
            try (InputStream in = ex.getRequestBody()) {
                java.io.ByteArrayOutputStream keep = new java.io.ByteArrayOutputStream();
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                    if (keep.size() < KEEP_BYTES) {
                        keep.write(buf, 0, Math.min(n, KEEP_BYTES - keep.size()));
                    }
                    size += n;
                }
                kept = keep.toByteArray();
            }
            Request r = new Request(h, kept, size, HexFormat.of().formatHex(md.digest()), System.nanoTime(),
                    seq.incrementAndGet());
            Reply reply = answer.apply(r);
            requests.add(r);
            if (reply.holdMs() > 0) {
                hold(reply.holdMs());
            }
            // once the answer is on its way the server may settle and send the next request before
            // this thread returns: the request is no longer held by the endpoint
            held = false;
            current.decrementAndGet();
            byte[] b = reply.body().getBytes(StandardCharsets.UTF_8);
            reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            ex.sendResponseHeaders(reply.status(), b.length == 0 ? -1 : b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        } catch (IOException e) {
            // the server gave up on the request (timeout): nothing to answer
        } finally {
            if (held) {
                current.decrementAndGet();
            }
            ex.close();
        }
    }

    /** Holds a request open on the endpoint's own thread, as a slow endpoint does. */
    private static void hold(long ms) {
        java.util.concurrent.locks.LockSupport.parkNanos(ms * 1_000_000L);
    }

    static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
