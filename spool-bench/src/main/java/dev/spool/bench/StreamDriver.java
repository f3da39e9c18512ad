package dev.spool.bench;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import dev.spool.bench.Stats.Op;

/**
 * Load over the {@code /v1/stream} WebSocket: one socket per producer sending push frames (one in
 * flight), one socket per consumer holding a subscription with credit {@code prefetch}, acking
 * each delivered frame (or each message) and granting the same credit back in the ack frame. Acks
 * of each delivered frame carry a {@code req} and wait for their reply; one ack per message (lockd's
 * shape) carries none, so the server answers only receipts it could not apply.
 */
final class StreamDriver implements Driver {
    private static final int MAX_FRAME = 64 * 1024 * 1024;

    private final Run run;
    private final WebSocketClient client;
    /** The Authorization header value, or null without a token. */
    private final String authorization;

    StreamDriver(Vertx vertx, URI url, Run run) {
        this.run = run;
        this.authorization = BenchTls.authorization(run.options);
        this.client = vertx.createWebSocketClient(BenchTls.client(new WebSocketClientOptions()
                .setDefaultHost(url.getHost()).setDefaultPort(url.getPort()).setMaxFrameSize(MAX_FRAME)
                .setMaxMessageSize(MAX_FRAME).setMaxConnections(100_000).setIdleTimeout(0), url, run.options));
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
        return client.connect(BenchTls.auth(new WebSocketConnectOptions().setURI("/v1/stream"), authorization))
                .map(Conn::new).toCompletionStage().toCompletableFuture();
    }

    @Override
    public void close() {
        client.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** One socket: requests matched to replies by {@code req}; message frames go to a subscriber. */
    private final class Conn {
        final WebSocket ws;
        final FrameRequests requests;
        volatile Subscriber subscriber;

        Conn(WebSocket ws) {
            this.ws = ws;
            this.requests = new FrameRequests(ws, r -> new IllegalStateException("stream error " + r.error),
                    () -> new IllegalStateException("socket closed"));
            ws.textMessageHandler(this::onFrame);
        }

        /** Sends {@code frameWithoutEnd} (a JSON object missing its closing brace) with a fresh req. */
        CompletableFuture<Frames.Frame> request(String frameWithoutEnd) {
            return requests.request(frameWithoutEnd);
        }

        /** Sends a whole frame that asks for no reply. */
        void send(String frame) {
            ws.writeTextMessage(frame).onFailure(e -> run.stats.error("stream send", e));
        }

        private void onFrame(String text) {
            CpuSplit.markLoad();
            Frames.Frame frame = Frames.parse(text);
            if ("messages".equals(frame.op)) {
                Subscriber s = subscriber;
                if (s != null) {
                    s.onMessages(this, frame);
                }
            } else if (frame.req >= 0) {
                if (!requests.complete(frame)) {
                    run.stats.error("reply to an unknown request " + abbreviate(text), null);
                }
            } else if ("error".equals(frame.op) && frame.sub == null && frame.notOk > 0) {
                HttpDriver.countAckResults(run, frame); // acks without req: only unapplied receipts come back
            } else if ("error".equals(frame.op) && frame.sub != null && subscriber != null) {
                run.stats.error("subscription ended: " + frame.error, null);
                subscriber.resubscribe(this);
            } else {
                run.stats.error("stream frame " + abbreviate(text), null);
            }
        }

        private static String abbreviate(String text) {
            return text.length() > 200 ? text.substring(0, 200) : text;
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

        void onMessages(Conn c, Frames.Frame frame) {
            for (int i = 0; i < frame.deliveries(); i++) {
                run.delivered(group, frame.ids[i]);
            }
            if (run.spec.ackEach()) {
                for (String r : frame.receipts) {
                    ack(c, List.of(r));
                }
            } else {
                ack(c, frame.receipts);
            }
        }

        private void ack(Conn c, List<String> receipts) {
            if (run.spec.ackEach()) {
                // one ack per message (lockd's shape) asks for no reply: the server answers only
                // the receipts it could not apply, with an error frame counted by onFrame
                c.send(ackFrame(receipts) + "}");
                return;
            }
            long t0 = System.nanoTime();
            acksInFlight.incrementAndGet();
            c.request(ackFrame(receipts)).whenComplete((reply, e) -> {
                if (e != null) {
                    run.stats.error("stream ack", e);
                } else {
                    run.stats.record(Op.ACK, t0);
                    HttpDriver.countAckResults(run, reply);
                }
                acksInFlight.decrementAndGet();
                maybeDone();
            });
        }

        /** An ack frame without its closing brace, granting the credit back unless stopped. */
        private String ackFrame(List<String> receipts) {
            return "{\"op\":\"ack\",\"queue\":\"" + run.queue + "\",\"group\":\"" + groupName
                    + "\",\"receipts\":" + receiptArray(receipts) + (stopped ? "" : ",\"sub\":\"c\",\"credit\":"
                    + receipts.size());
        }

        private static String receiptArray(List<String> receipts) {
            StringBuilder sb = new StringBuilder(receipts.size() * 22 + 2).append('[');
            for (int i = 0; i < receipts.size(); i++) {
                sb.append(i == 0 ? "\"" : ",\"").append(receipts.get(i)).append('"');
            }
            return sb.append(']').toString();
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
