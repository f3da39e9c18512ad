package dev.spool.server;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.http.HttpConnection;

/**
 * What the server must know to bound connections and shut down gracefully: open connections,
 * requests in flight (and how many of them are long polls that only wait), open streams, and
 * whether a shutdown began.
 *
 * <p>Shutdown waits in two steps: first until only waiting requests remain ({@link #busyDrained()}),
 * then, once the broker woke the waiters, until nothing is left ({@link #allDrained()}).
 */
final class ServerState {
    private final int maxConnections;
    private final Metrics metrics;
    private final AtomicInteger connections = new AtomicInteger();
    private final Set<HttpConnection> rejected = ConcurrentHashMap.newKeySet();
    private final Set<StreamSession> streams = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final CompletableFuture<Void> busyDrained = new CompletableFuture<>();
    private final CompletableFuture<Void> allDrained = new CompletableFuture<>();
    private volatile boolean closing;

    ServerState(int maxConnections, Metrics metrics) {
        this.maxConnections = maxConnections;
        this.metrics = metrics;
    }

    /** Counts a new connection; past the bound it is marked for rejection. */
    void onConnection(HttpConnection conn) {
        int n = connections.incrementAndGet();
        metrics.connections().set(n);
        if (n > maxConnections) {
            rejected.add(conn);
        }
        conn.closeHandler(v -> {
            metrics.connections().set(connections.decrementAndGet());
            rejected.remove(conn);
        });
    }

    /** Whether requests on this connection must be refused (over the connection bound). */
    boolean isRejected(HttpConnection conn) {
        return !rejected.isEmpty() && conn != null && rejected.contains(conn);
    }

    boolean closing() {
        return closing;
    }

    /** A request began. */
    void enter() {
        inFlight.incrementAndGet();
    }

    /** A request ended. */
    void exit() {
        inFlight.decrementAndGet();
        check();
    }

    /** A request began or stopped waiting for a long poll. */
    void waiting(boolean started) {
        if (started) {
            waiting.incrementAndGet();
        } else {
            waiting.decrementAndGet();
            check();
        }
    }

    /** Requests in flight. */
    int inFlightCount() {
        return inFlight.get();
    }

    /** Requests in flight that wait in a long poll. */
    int waitingCount() {
        return waiting.get();
    }

    void addStream(StreamSession s) {
        streams.add(s);
    }

    void removeStream(StreamSession s) {
        streams.remove(s);
    }

    Set<StreamSession> streams() {
        return streams;
    }

    /** Starts a shutdown: new requests are refused from now on. */
    void beginClosing() {
        closing = true;
        check();
    }

    /** Completes when every request in flight is a waiting long poll. */
    CompletableFuture<Void> busyDrained() {
        return busyDrained;
    }

    /** Completes when no request is in flight. */
    CompletableFuture<Void> allDrained() {
        return allDrained;
    }

    private void check() {
        if (!closing) {
            return;
        }
        int all = inFlight.get();
        if (all - waiting.get() <= 0) {
            busyDrained.complete(null);
        }
        if (all <= 0) {
            allDrained.complete(null);
        }
    }
}
