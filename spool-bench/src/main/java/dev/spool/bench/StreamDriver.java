package dev.spool.bench;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import dev.spool.bench.Stats.Op;

/**
 * Load over the {@code /v1/stream} WebSocket: one socket per producer sending push frames (one in
 * flight), one socket per consumer holding a subscription with credit {@code prefetch}, acking
 * each delivered frame (or each message) and granting the same credit back in the ack frame.
 */
final class StreamDriver implements Driver {
    private static final int MAX_FRAME = 64 * 1024 * 1024;

    private final Run run;
    private final WebSocketClient client;

    StreamDriver(Vertx vertx, URI url, Run run) {
        this.run = run;
        this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setDefaultHost(url.getHost())
                .setDefaultPort(url.getPort()).setMaxFrameSize(MAX_FRAME).setMaxMessageSize(MAX_FRAME)
                .setMaxConnections(100_000).setIdleTimeout(0));
    }

    @Override
    public CompletableFuture<Pusher> producer(int index) {
        return connect().thenApply(conn -> b -> {
            String frame = "{\"op\":\"push\",\"queue\":\"" + run.queue + "\",\"messages\":" + run.jsonMessages(b);
            return conn.request(frame).thenApply(reply -> null);
        });
    }

    @Override
    public CompletableFuture<ConsumerHandle> consumer(int group, int index) {
        Subscriber s = new Subscriber(group);
        return connect().thenCompose(conn -> s.start(conn)).thenApply(v -> s);
    }

    private CompletableFuture<Conn> connect() {
        return client.connect("/v1/stream").map(Conn::new).toCompletionStage().toCompletableFuture();
    }

    @Override
    public void close() {
        client.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** One socket: requests matched to replies by {@code req}; message frames go to a subscriber. */
    private final class Conn {
        final WebSocket ws;
        final Map<Long, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
        final AtomicLong nextReq = new AtomicLong();
        volatile Subscriber subscriber;

        Conn(WebSocket ws) {
            this.ws = ws;
            ws.textMessageHandler(this::onFrame);
            ws.closeHandler(v -> {
                for (CompletableFuture<JsonObject> f : pending.values()) {
                    f.completeExceptionally(new IllegalStateException("socket closed"));
                }
            });
        }

        /** Sends {@code frameWithoutEnd} (a JSON object missing its closing brace) with a fresh req. */
        CompletableFuture<JsonObject> request(String frameWithoutEnd) {
            long req = nextReq.incrementAndGet();
            CompletableFuture<JsonObject> f = new CompletableFuture<>();
            pending.put(req, f);
            ws.writeTextMessage(frameWithoutEnd + ",\"req\":" + req + "}").onFailure(e -> {
                if (pending.remove(req) != null) {
                    f.completeExceptionally(e);
                }
            });
            return f;
        }

        private void onFrame(String text) {
            CpuSplit.markLoad();
            JsonObject frame = new JsonObject(text);
            String op = frame.getString("op");
            Object req = frame.getValue("req");
            if ("messages".equals(op)) {
                Subscriber s = subscriber;
                if (s != null) {
                    s.onMessages(this, frame.getJsonArray("messages"));
                }
            } else if (req instanceof Number n) {
                CompletableFuture<JsonObject> f = pending.remove(n.longValue());
                if (f == null) {
                    run.stats.error("reply to an unknown request " + text, null);
                } else if ("ok".equals(op)) {
                    f.complete(frame);
                } else {
                    f.completeExceptionally(new IllegalStateException("stream error " + frame.getValue("error")));
                }
            } else if ("error".equals(op) && frame.getValue("sub") != null && subscriber != null) {
                run.stats.error("subscription ended " + frame.getValue("error"), null);
                subscriber.resubscribe(this);
            } else {
                run.stats.error("stream frame " + (text.length() > 200 ? text.substring(0, 200) : text), null);
            }
        }
    }

    /** A subscription with credit; acks what it received and grants the same credit back. */
    private final class Subscriber implements ConsumerHandle {
        private final int group;
        private final String groupName;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private final AtomicLong acksInFlight = new AtomicLong();
        private volatile boolean stopped;
        private volatile boolean unsubscribed;
        private Conn conn;

        Subscriber(int group) {
            this.group = group;
            this.groupName = Run.groupName(group);
        }

        /** The server ended the subscription (e.g. too many waiters): subscribe again shortly. */
        void resubscribe(Conn c) {
            if (!stopped) {
                run.scheduler.schedule(() -> start(c).whenComplete((v, e) -> {
                    if (e != null) {
                        run.stats.error("resubscribe", e);
                    }
                }), 10, TimeUnit.MILLISECONDS);
            }
        }

        CompletableFuture<Void> start(Conn c) {
            this.conn = c;
            c.subscriber = this;
            String frame = "{\"op\":\"subscribe\",\"queue\":\"" + run.queue + "\",\"group\":\"" + groupName
                    + "\",\"credit\":" + run.spec.prefetch() + ",\"sub\":\"c\"";
            return c.request(frame).thenApply(r -> null);
        }

        void onMessages(Conn c, JsonArray msgs) {
            JsonArray receipts = new JsonArray();
            for (int i = 0; i < msgs.size(); i++) {
                JsonObject m = msgs.getJsonObject(i);
                Object payload = m.getValue("payload");
                run.delivered(group, payload instanceof String s ? Ids.parse(s) : Ids.NONE);
                receipts.add(m.getString("receipt"));
            }
            if (run.spec.ackEach()) {
                for (int i = 0; i < receipts.size(); i++) {
                    ack(c, new JsonArray().add(receipts.getString(i)));
                }
            } else {
                ack(c, receipts);
            }
        }

        private void ack(Conn c, JsonArray receipts) {
            long t0 = System.nanoTime();
            acksInFlight.incrementAndGet();
            String frame = "{\"op\":\"ack\",\"queue\":\"" + run.queue + "\",\"group\":\"" + groupName
                    + "\",\"receipts\":" + receipts.encode() + (stopped ? "" : ",\"sub\":\"c\",\"credit\":"
                    + receipts.size());
            c.request(frame).whenComplete((reply, e) -> {
                if (e != null) {
                    run.stats.error("stream ack", e);
                } else {
                    run.stats.record(Op.ACK, t0);
                    HttpDriver.countAckResults(run, reply.getJsonArray("results"));
                }
                acksInFlight.decrementAndGet();
                maybeDone();
            });
        }

        @Override
        public CompletableFuture<Void> stop() {
            if (!stopped) {
                stopped = true;
                conn.request("{\"op\":\"unsubscribe\",\"sub\":\"c\"").whenComplete((r, e) -> {
                    if (e != null) {
                        run.stats.error("unsubscribe", e);
                    }
                    unsubscribed = true;
                    maybeDone();
                });
            }
            return done;
        }

        private void maybeDone() {
            if (unsubscribed && acksInFlight.get() == 0 && !done.isDone()) {
                conn.ws.close();
                done.complete(null);
            }
        }
    }
}
