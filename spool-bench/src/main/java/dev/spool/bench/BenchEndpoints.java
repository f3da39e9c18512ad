package dev.spool.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

/**
 * The push targets of {@code spool bench push}: one Vert.x HTTP server per endpoint on 127.0.0.1,
 * each answering 204 once the whole body arrived and recording when (the end of a delivery). Their
 * event loops are marked as load-generator threads for {@link CpuSplit}.
 */
final class BenchEndpoints implements AutoCloseable {
    /** A delivery as an endpoint saw it end. */
    record Arrival(int endpoint, String id, long atNanos) {
    }

    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    private final List<HttpServer> servers = new ArrayList<>();
    private final Queue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
    private final AtomicLong delivered = new AtomicLong();

    BenchEndpoints(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            int index = i;
            HttpServer s = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setTcpNoDelay(true)
                    .setAcceptBacklog(1_000)).requestHandler(req -> {
                        CpuSplit.markLoad();
                        String id = req.getHeader("Spool-Message-Id");
                        req.handler(b -> { }).endHandler(v -> {
                            arrivals.add(new Arrival(index, id, System.nanoTime()));
                            delivered.incrementAndGet();
                            req.response().setStatusCode(204).end();
                        });
                    });
            servers.add(s.listen(0).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
        }
    }

    String url(int i) {
        return "http://127.0.0.1:" + servers.get(i).actualPort() + "/in";
    }

    long delivered() {
        return delivered.get();
    }

    Queue<Arrival> arrivals() {
        return arrivals;
    }

    @Override
    public void close() {
        vertx.close();
    }
}
