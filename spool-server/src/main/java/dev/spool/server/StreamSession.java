package dev.spool.server;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;

import dev.spool.api.ErrorCode;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.server.edge.ConnectionEdge;
import dev.spool.server.security.Principal;
import dev.spool.server.trace.Tracing;

/**
 * One {@code /v1/stream} WebSocket: JSON frames with an {@code op} and an optional client-chosen
 * {@code req} echoed in the reply (see {@code docs/api.md} for the frame format).
 *
 * <p>Runs on the socket's event-loop context only. Requests are handled concurrently (replies may
 * come out of order; {@code req} matches them); subscriptions are {@link StreamSubscription}s that
 * lease messages only while they have credit and the socket can take more.
 */
final class StreamSession {
    static final int MAX_SUBSCRIPTIONS = 64;

    final Api api;
    final ServerWebSocket ws;
    final Context ctx;
    /** The socket's connection: the edge meters its inbound bytes. */
    private final HttpConnection conn;
    /** Who opened the stream; every frame is checked against its current permissions. */
    private final Principal principal;
    private final Map<String, StreamSubscription> subs = new HashMap<>();
    /** Names of the most recent subscriptions that ended, oldest first (bounded). */
    private final java.util.LinkedHashSet<String> endedSubs = new java.util.LinkedHashSet<>();
    private static final int ENDED_SUBS_KEPT = 256;
    private int nextSub;
    private boolean closed;
    /** Requests handed to the broker whose replies are not written yet. */
    private int inFlight;
    /** Acks of this socket merged by {@link StreamAcks} and not done yet. */
    private int mergedAcks;
    private boolean paused;
    private final StreamLocks locks = new StreamLocks(this);

    StreamSession(Api api, ServerWebSocket ws, Context ctx, HttpConnection conn, Principal principal) {
        this.api = api;
        this.principal = principal;
        this.ws = ws;
        this.ctx = ctx;
        this.conn = conn;
    }

    void start() {
        api.state.addStream(this);
        // partial messages held by the WebSocket decoder count against the server's body budget
        ConnectionEdge.meterInbound(conn, api.bodyBudget, () -> {
            close();
            if (!ws.isClosed()) {
                ws.close((short) 1013, "server busy: request bodies in flight over the budget");
            }
        });
        // messages are joined here, not by Vert.x, so that frames are parsed from their bytes
        StreamMessages messages = new StreamMessages(api.maxRequestBytes());
        ws.frameHandler(f -> {
            byte[] m;
            try {
                m = messages.accept(f);
            } catch (IllegalStateException e) {
                onFailure(e);
                return;
            }
            if (m != null) {
                onMessage(m);
            }
        });
        ws.drainHandler(v -> {
            flowControl();
            pumpAll();
        });
        ws.exceptionHandler(this::onFailure);
        ws.closeHandler(v -> close());
    }

    /**
     * A broken socket, a protocol error or a message over {@code max-request-bytes}: stop and close
     * with the status that names it (docs/api.md): 1002 for a protocol error, 1009 for a message
     * too big (Vert.x reports an oversized fragmented message as an {@link IllegalStateException}
     * and would keep the socket open), 1011 for anything else.
     */
    private void onFailure(Throwable e) {
        close();
        if (!ws.isClosed()) {
            int status = closeStatus(e);
            ws.close((short) status, status == 1009 ? "message too big" : status == 1002 ? "protocol error"
                    : "stream failed");
        }
    }

    static int closeStatus(Throwable e) {
        if (e instanceof CorruptedWebSocketFrameException c
                && c.closeStatus() != null) {
            return c.closeStatus().code();
        }
        if (e instanceof IllegalStateException || e instanceof TooLongFrameException) {
            return 1009;
        }
        if (e instanceof CorruptedFrameException || e instanceof DecoderException) {
            return 1002;
        }
        return 1011;
    }

    /**
     * Back-pressure: stops reading the socket while its replies are not being read (the write queue
     * is full) or while {@code max-stream-requests} of its requests are in flight, and reads again
     * once both have room. A client that never reads its replies holds one write queue, not a heap.
     */
    private void flowControl() {
        boolean stop = !closed && (ws.writeQueueFull() || inFlight >= api.config.edge().maxStreamRequests());
        if (stop && !paused) {
            paused = true;
            ws.pause();
        } else if (!stop && paused) {
            paused = false;
            ws.resume();
        }
    }

    boolean closed() {
        return closed;
    }

    /** Stops every subscription; leased messages in flight to the client stay leased. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        subs.values().forEach(StreamSubscription::stop);
        subs.clear();
        locks.close();
        api.state.removeStream(this);
    }

    /** Server shutdown: stop taking new work, then close with 1001 once the broker is closed. */
    void shutdown() {
        ctx.runOnContext(v -> {
            close();
            if (!ws.isClosed()) {
                ws.close((short) 1001, "server shutting down");
            }
        });
    }

    void pumpAll() {
        for (StreamSubscription s : List.copyOf(subs.values())) {
            s.pump();
        }
    }

    private void onMessage(byte[] utf8) {
        if (closed) {
            return;
        }
        Object req = null;
        try {
            StreamFrame frame = StreamFrame.of(utf8, api.limits);
            req = frame.req();
            String op = frame.op();
            Principal now = frame.authorize(api, principal, () -> ws.close((short) 1008, "token revoked"));
            dispatch(op, frame, req, now);
        } catch (RuntimeException e) {
            sendError(req, null, e);
        } finally {
            ConnectionEdge.inboundConsumed(conn);
        }
    }

    private void dispatch(String op, StreamFrame frame, Object req, Principal now) {
        if (mergedAcks > 0 && !"ack".equals(op) && !"credit".equals(op)) {
            StreamAcks.onThisLoop().flush(); // this socket's acks reach the broker before its next request
        }
        switch (op) {
            case "push" -> push(frame, req);
            case "subscribe" -> subscribe(frame, req);
            case "credit" -> credit(frame, req);
            case "unsubscribe" -> unsubscribe(frame, req);
            case "ack" -> settle(frame, req, ReceiptCodec.Kind.ACK);
            case "nack" -> settle(frame, req, ReceiptCodec.Kind.NACK);
            case "extend" -> settle(frame, req, ReceiptCodec.Kind.EXTEND);
            case "acquire" -> locks.acquire(frame, req);
            case "keepalive" -> locks.keepalive(frame, req);
            case "release" -> locks.release(frame, req);
            case "tx" -> locks.tx(frame, req, now);
            case "read_state" -> locks.readState(frame, req);
            default -> throw SpoolException.invalid("op", "op is push, subscribe, credit, unsubscribe, ack, nack, "
                    + "extend, acquire, keepalive, release, read_state or tx");
        }
    }

    private void push(StreamFrame frame, Object req) {
        String queue = frame.queue();
        List<NewMessage> messages = frame.read(in -> {
            List<NewMessage> out = null;
            String f;
            while ((f = in.nextField()) != null) {
                switch (f) {
                    case "op", "req", "queue" -> in.skip();
                    case "messages" -> out = MessageCodec.readMessages(in, "messages", api.limits);
                    default -> throw JsonIn.unknown("", f);
                }
            }
            if (out == null) {
                throw SpoolException.invalid("messages", "messages is required");
            }
            return out;
        });
        long t0 = api.tracing.now();
        CompletionStage<long[]> pushed = api.broker.push(queue, messages);
        if (api.tracing.enabled()) {
            pushed.whenComplete((ids, e) -> api.tracing.pushed(Tracing.Transport.STREAM, queue, messages, ids, t0, e));
        }
        if (req instanceof Long n) {
            // the reply every producer waits for: written straight as bytes, no generator
            answer(req, pushed, ids -> {
                api.metrics.queue(queue).pushed.increment(ids.length);
                return StreamReplies.pushed(n, ids);
            });
            return;
        }
        track(req, pushed, ids -> {
            api.metrics.queue(queue).pushed.increment(ids.length);
            return g -> PushRoutes.writeIdArray(g, ids);
        });
    }

    private void settle(StreamFrame frame, Object req, ReceiptCodec.Kind kind) {
        String queue = frame.queue();
        StreamSubscription grantTo = frame.hasCredit() ? creditTarget(frame) : null;
        long[] grant = {0};
        ReceiptCodec.Parsed p = frame.read(in -> ReceiptCodec.readFields(in, kind, api.limits, "", f -> {
            switch (f) {
                case "op", "req", "queue", "sub" -> in.skip();
                case "credit" -> grant[0] = in.readLong(f, 1, StreamSubscription.MAX_CREDIT);
                default -> throw JsonIn.unknown("", f);
            }
        }));
        if (grantTo != null) {
            grantTo.grant(grant[0]);
            grantTo.pumpSoon();
        }
        if (kind == ReceiptCodec.Kind.ACK && req == null && p.ack().result().isEmpty() && !api.tracing.enabled()) {
            // asks for no reply: merged with the loop's other such acks into one broker call (StreamAcks)
            api.state.enter();
            inFlight++;
            mergedAcks++;
            flowControl();
            StreamAcks.onThisLoop().add(this, queue, p.ack());
            return;
        }
        if (mergedAcks > 0) {
            StreamAcks.onThisLoop().flush();
        }
        CompletionStage<Outcomes> stage = switch (kind) {
            case ACK -> api.broker.ack(queue, p.ack());
            case NACK -> api.broker.nack(queue, p.nack());
            case EXTEND -> api.broker.extend(queue, p.extend());
        };
        if (api.tracing.enabled()) {
            long t0 = api.tracing.now();
            stage.whenComplete((out, e) -> api.tracing.settled(Tracing.Transport.STREAM,
                    kind.name().toLowerCase(java.util.Locale.ROOT), queue, p.group(), p.receipts(),
                    java.util.Optional.empty(), t0, e));
        }
        track(req, stage, out -> {
            if (kind == ReceiptCodec.Kind.ACK) {
                api.metrics.queue(queue).acked.increment(out.okCount());
            } else if (kind == ReceiptCodec.Kind.NACK) {
                api.metrics.queue(queue).nacked.increment(out.okCount());
            }
            if (req == null && out.okCount() < out.size()) {
                sendFailedReceipts(p.receipts(), out);
            }
            return g -> ReceiptCodec.writeResults(g, p.receipts(), out);
        });
    }

    /**
     * One ack frame merged by {@link StreamAcks} is done: {@code out[from, from + receipts.size())}
     * are its outcomes, or {@code failure} failed the whole merged call. Reports, as for any ack
     * without {@code req}, only the receipts that were not applied.
     */
    void mergedAckDone(Receipts receipts, Outcomes out, int from, Throwable failure) {
        api.state.exit();
        inFlight--;
        mergedAcks--;
        if (failure != null) {
            sendError(null, null, failure);
        } else {
            Outcomes mine = StreamAcks.slice(out, from, receipts.size());
            if (mine.okCount() < mine.size()) {
                sendFailedReceipts(receipts, mine);
            }
        }
        flowControl();
    }

    /**
     * The error frame of an ack, nack or extend without {@code req} that did not apply to every
     * receipt: its sender asked for no reply, so the failures are its only news. The code is
     * {@code stale_receipt} when one was stale, {@code not_found} otherwise; {@code results} lists
     * only the receipts not applied.
     */
    private void sendFailedReceipts(Receipts rs, Outcomes out) {
        boolean stale = false;
        for (int i = 0; i < out.size(); i++) {
            stale |= out.get(i) == ReceiptOutcome.STALE;
        }
        SpoolException e = new SpoolException(stale ? ErrorCode.STALE_RECEIPT : ErrorCode.NOT_FOUND,
                (out.size() - out.okCount()) + " of " + out.size() + " receipts were not applied");
        send(Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("op", "error");
            g.writeFieldName("error");
            Errors.writeInner(g, e);
            g.writeArrayFieldStart("results");
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i) != ReceiptOutcome.OK) {
                    g.writeStartObject();
                    g.writeStringField("receipt", rs.format(i));
                    g.writeStringField("status", out.get(i).wire());
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    private void subscribe(StreamFrame frame, Object req) {
        if (subs.size() >= MAX_SUBSCRIPTIONS) {
            throw SpoolException.tooMany("at most " + MAX_SUBSCRIPTIONS + " subscriptions per stream", 1000);
        }
        if (api.limits.maxWaitMs() == 0) {
            throw new SpoolException(ErrorCode.NOT_IMPLEMENTED, "subscriptions need max-wait-ms > 0 on the server");
        }
        StreamSubscription.Spec spec = frame.read(in -> StreamSubscription.Spec.read(in, api.limits));
        String id = spec.sub() != null ? spec.sub() : "s" + (++nextSub);
        if (subs.containsKey(id)) {
            throw SpoolException.withField(ErrorCode.CONFLICT, "sub", "subscription '" + id + "' exists");
        }
        // pops do not create queues: a subscription to a missing queue is refused here, at once
        Api.on(ctx, api.broker.getQueue(spec.queue()), (info, e) -> {
            if (e != null || subs.containsKey(id) || closed()) {
                sendError(req, null, e != null ? e
                        : SpoolException.withField(ErrorCode.CONFLICT, "sub", "subscription '" + id + "' exists"));
                return;
            }
            StreamSubscription s = new StreamSubscription(this, id, spec);
            subs.put(id, s);
            reply(req, g -> g.writeStringField("sub", id));
            s.pump();
        });
    }

    private void credit(StreamFrame frame, Object req) {
        StreamSubscription s = sub(frame);
        long grant = frame.read(in -> {
            long n = -1;
            String f;
            while ((f = in.nextField()) != null) {
                switch (f) {
                    case "op", "req", "sub" -> in.skip();
                    case "credit" -> n = in.readLong(f, 1, StreamSubscription.MAX_CREDIT);
                    default -> throw JsonIn.unknown("", f);
                }
            }
            if (n < 0) {
                throw SpoolException.invalid("credit", "credit is required");
            }
            return n;
        });
        s.grant(grant);
        if (req != null) {
            reply(req, g -> { });
        }
        s.pumpSoon();
    }

    private void unsubscribe(StreamFrame frame, Object req) {
        StreamSubscription s = sub(frame);
        s.stop();
        forget(s);
        reply(req, g -> { });
    }

    /**
     * The subscription an ack, nack or extend gives its credit to, or null when that subscription
     * has ended on this socket (an unsubscribe may cross an ack on the wire): the receipts are
     * applied all the same and the credit, which nothing can use any more, is dropped. A name this
     * socket never subscribed is {@code not_found}, as everywhere.
     */
    private StreamSubscription creditTarget(StreamFrame frame) {
        String n = frame.sub();
        if (n != null && !subs.containsKey(n) && endedSubs.contains(n)) {
            return null;
        }
        return sub(frame);
    }

    private StreamSubscription sub(StreamFrame frame) {
        String n = frame.sub();
        if (n == null) {
            throw SpoolException.invalid("sub", "sub is required");
        }
        StreamSubscription s = subs.get(n);
        if (s == null) {
            throw SpoolException.withField(ErrorCode.NOT_FOUND, "sub", "no subscription '" + n + "'");
        }
        return s;
    }

    /** A subscription ended by a failure: tell the client and forget it. */
    void ended(StreamSubscription s, Throwable e) {
        forget(s);
        sendError(null, s.id(), e);
    }

    private void forget(StreamSubscription s) {
        subs.remove(s.id());
        endedSubs.remove(s.id());
        endedSubs.add(s.id());
        if (endedSubs.size() > ENDED_SUBS_KEPT) {
            endedSubs.remove(endedSubs.iterator().next());
        }
    }

    /** Replies to {@code req} from a broker stage; frames without {@code req} get no success reply. */
    <T> void track(Object req, CompletionStage<T> stage, java.util.function.Function<T, Json.Writer> ok) {
        answer(req, stage, v -> {
            Json.Writer w = ok.apply(v);
            return req == null ? null : StreamReplies.ok(req, w);
        });
    }

    /** As {@link #track}, with the success reply as a ready frame ({@code null}: none). */
    private <T> void answer(Object req, CompletionStage<T> stage, java.util.function.Function<T, Buffer> ok) {
        api.state.enter();
        inFlight++;
        flowControl();
        Api.on(ctx, stage, (v, e) -> {
            api.state.exit();
            inFlight--;
            if (e != null) {
                sendError(req, null, e);
            } else {
                Buffer frame = ok.apply(v);
                if (frame != null) {
                    send(frame);
                }
            }
            flowControl();
        });
    }

    private void reply(Object req, Json.Writer fields) {
        send(StreamReplies.ok(req, fields));
    }

    void sendError(Object req, String sub, Throwable t) {
        send(StreamReplies.error(req, sub, t));
    }

    /**
     * Writes one rendered JSON document as a single final text frame, straight from its bytes (no
     * decoding to a {@code String} and encoding back). The server's frame size limit is
     * {@code max-request-bytes}, as with {@code writeTextMessage}, which would not split it either.
     */
    void send(Buffer frame) {
        if (!ws.isClosed()) {
            ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, frame.getByteBuf(), true));
        }
        flowControl();
    }
}
