package dev.spool.bench;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.spool.api.MessageIds;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.impl.ContextInternal;

/**
 * The producer of {@code spool bench push}: JSON batches over Vert.x's HTTP client with up to
 * {@code inFlight} requests at once, on one event loop of its own. With a rate, batch {@code k} is
 * due {@code k} batch intervals after the start and is sent then (netty's scheduler, which fires up
 * to a millisecond late: such a batch counts from its sending); a batch that waited because every
 * request slot was taken counts from when it was due. The JDK's {@code HttpClient}, which the bench used before, took 1.5 ms at the
 * median and 45 ms at p99 for one small push at 200 a second on this machine, more than the
 * delivery being measured.
 */
final class PushProducer implements AutoCloseable {
    private final Vertx vertx;
    private final HttpClient client;
    private final String path;
    private final String authorization;
    private final String item;
    private final int perBatch;
    private final int inFlight;
    private final long interval;
    private final Map<Long, Long> sentAt;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private EventLoop loop;
    private long base;
    private int left;
    private long batches;
    private int flying;
    private boolean scheduled;

    private PushProducer(Vertx vertx, HttpClient client, String path, String authorization, String item, int messages,
            int perBatch, int inFlight, int rate, Map<Long, Long> sentAt) {
        this.vertx = vertx;
        this.client = client;
        this.path = path;
        this.authorization = authorization;
        this.item = item;
        this.left = messages;
        this.perBatch = perBatch;
        this.inFlight = inFlight;
        this.interval = rate > 0 ? Math.round(perBatch * 1e9 / rate) : 0;
        this.sentAt = sentAt;
    }

    /** A producer with its own Vert.x instance and client, ready to {@link #run}; close it after. */
    static PushProducer open(URI url, CommonOptions options, String path, String item, int messages, int perBatch,
            int inFlight, int rate, Map<Long, Long> sentAt) {
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false).setEventLoopPoolSize(1));
        HttpClient client = HttpDriver.client(vertx, url, inFlight, options);
        return new PushProducer(vertx, client, path, BenchTls.authorization(options), item, messages, perBatch,
                inFlight, rate, sentAt);
    }

    /** Pushes every message, recording when each id was sent; returns once every push was answered. */
    void run(long timeoutS) throws Exception {
        Context ctx = vertx.getOrCreateContext();
        ctx.runOnContext(v -> start(((ContextInternal) ctx).nettyEventLoop()));
        done.get(timeoutS, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private void start(EventLoop l) {
        loop = l;
        base = System.nanoTime();
        next(false);
    }

    /**
     * Sends every batch that is due while a request slot is free; wakes up for the next one.
     * {@code slotFreed}: called because a request ended, so a batch already due waited for its slot.
     */
    private void next(boolean slotFreed) {
        while (!done.isDone() && left > 0 && flying < inFlight) {
            long due = base + batches * interval;
            long wait = due - System.nanoTime();
            if (interval > 0 && wait > 0) {
                if (!scheduled) {
                    scheduled = true;
                    loop.schedule(() -> {
                        scheduled = false;
                        next(false);
                    }, wait, TimeUnit.NANOSECONDS);
                }
                return;
            }
            int n = Math.min(perBatch, left);
            left -= n;
            batches++;
            // a batch that waited for a request slot counts from when it was due, so that a server too
            // slow to answer does not hide its delay; one sent by the timer counts from its sending (the
            // event loop's timer fires up to a millisecond late, which is the load generator's own delay)
            send(n, slotFreed && interval > 0 ? Math.min(due, System.nanoTime()) : System.nanoTime());
        }
        if (left == 0 && flying == 0) {
            done.complete(null);
        }
    }

    private void send(int n, long t0) {
        StringBuilder b = new StringBuilder(n * (item.length() + 1) + 20).append("{\"messages\": [");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append(item);
        }
        Buffer body = Buffer.buffer(b.append("]}").toString());
        RequestOptions o = BenchTls.auth(new RequestOptions().setMethod(HttpMethod.POST).setURI(path), authorization)
                .putHeader("Content-Type", "application/json");
        flying++;
        client.request(o).compose(req -> req.send(body)).compose(resp -> resp.body().map(reply -> {
            if (resp.statusCode() != 200) {
                throw new IllegalStateException("POST " + path + " answered " + resp.statusCode() + ": " + reply);
            }
            return reply.toString();
        })).onComplete(r -> {
            flying--;
            if (r.failed()) {
                done.completeExceptionally(r.cause());
                return;
            }
            for (long id : ids(r.result())) {
                sentAt.put(id, t0);
            }
            next(true);
        });
    }

    /** The ids of a push reply ({@code "ids": ["...", ...]}). */
    static List<Long> ids(String reply) {
        List<Long> out = new ArrayList<>();
        int q = reply.indexOf("\"ids\"");
        if (q < 0) {
            return out;
        }
        int end = reply.indexOf(']', q);
        int i = reply.indexOf('"', reply.indexOf('[', q));
        while (i >= 0 && i < end) {
            int close = reply.indexOf('"', i + 1);
            out.add(MessageIds.parse(reply.substring(i + 1, close), "ids"));
            i = reply.indexOf('"', close + 1);
        }
        return out;
    }
}
