package dev.spool.server;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;

import dev.spool.api.ErrorCode;
import dev.spool.api.Names;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.SpoolException;
import dev.spool.server.edge.ConnectionEdge;
import dev.spool.server.security.Permission;
import dev.spool.server.security.Principal;
import dev.spool.server.security.Security;
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
    private static final ObjectMapper MAPPER = new ObjectMapper(Json.factory());

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
        ws.textMessageHandler(this::onMessage);
        ws.binaryMessageHandler(b -> onMessage(b.toString(java.nio.charset.StandardCharsets.UTF_8)));
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
        api.state.removeStream(this);
        subs.values().forEach(StreamSubscription::stop);
        subs.clear();
        locks.close();
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

    private void onMessage(String text) {
        if (closed) {
            return;
        }
        Object req = null;
        try {
            JsonNode frame = parse(text);
            req = reqId(frame.get("req"));
            dispatch(frame, req);
        } catch (RuntimeException e) {
            sendError(req, null, e);
        } finally {
            ConnectionEdge.inboundConsumed(conn);
        }
    }

    private static JsonNode parse(String text) {
        try {
            JsonNode n = MAPPER.readTree(text);
            if (n == null || !n.isObject()) {
                throw new SpoolException(ErrorCode.BAD_REQUEST, "a frame is one JSON object");
            }
            return n;
        } catch (IOException e) {
            throw Errors.toSpool(e);
        }
    }

    /** The {@code req} id: a whole number or a string of at most 64 characters, echoed as given. */
    private static Object reqId(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            return n.longValue();
        }
        if (n.isTextual() && n.textValue().length() <= 64) {
            return n.textValue();
        }
        throw SpoolException.invalid("req", "req is a whole number or a string of at most 64 characters");
    }

    private void dispatch(JsonNode frame, Object req) {
        JsonNode op = frame.get("op");
        if (op == null || !op.isTextual()) {
            throw SpoolException.invalid("op", "op is required");
        }
        Principal now = authorize(op.textValue(), frame);
        switch (op.textValue()) {
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
            default -> throw SpoolException.invalid("op", "op is push, subscribe, credit, unsubscribe, ack, nack, "
                    + "extend, acquire, keepalive, release or tx");
        }
    }

    /**
     * Checks a frame against the opener's permissions as they are now: a revoked token closes the
     * stream (1008), a frame on a queue or lock it may not use is refused like any failed frame.
     * Returns the identity as it is now (null when the server is open), for a {@code tx} frame's ops.
     */
    private Principal authorize(String op, JsonNode frame) {
        if (principal.kind() == Principal.Kind.OPEN) {
            return null;
        }
        Principal now;
        try {
            now = api.security.current(principal);
        } catch (SpoolException e) {
            ws.close((short) 1008, "token revoked");
            throw e;
        }
        switch (op) {
            case "push" -> Security.require(now, Permission.Action.PRODUCE, "queue", queueOf(frame));
            case "subscribe", "ack", "nack", "extend" ->
                    Security.require(now, Permission.Action.CONSUME, "queue", queueOf(frame));
            case "acquire", "keepalive", "release" ->
                    Security.require(now, Permission.Action.LOCK, "lock", StreamLocks.lockOf(frame));
            default -> {
                // credit and unsubscribe act on a subscription whose queue was checked when it was made;
                // a tx frame's ops are checked one by one once read
            }
        }
        return now;
    }

    /** Reads the frame's fields with a streaming reader; {@code op}, {@code req} are skipped. */
    <T> T read(JsonNode frame, FrameReader<T> reader) {
        try (var parser = frame.traverse(MAPPER)) {
            JsonIn in = new JsonIn(parser);
            in.beginDocument("frame");
            return reader.read(in);
        } catch (IOException e) {
            throw Errors.toSpool(e);
        }
    }

    /** Reads a frame. */
    @FunctionalInterface
    interface FrameReader<T> {
        T read(JsonIn in) throws IOException;
    }

    static String queueOf(JsonNode frame) {
        JsonNode q = frame.get("queue");
        if (q == null || !q.isTextual()) {
            throw SpoolException.invalid("queue", "queue is required");
        }
        return Names.checkQueue(q.textValue(), "queue");
    }

    private void push(JsonNode frame, Object req) {
        String queue = queueOf(frame);
        List<NewMessage> messages = read(frame, in -> {
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
        track(req, pushed, ids -> {
            api.metrics.queue(queue).pushed.increment(ids.length);
            return g -> PushRoutes.writeIdArray(g, ids);
        });
    }

    private void settle(JsonNode frame, Object req, ReceiptCodec.Kind kind) {
        String queue = queueOf(frame);
        StreamSubscription grantTo = frame.has("credit") ? creditTarget(frame) : null;
        long[] grant = {0};
        ReceiptCodec.Parsed p = read(frame, in -> ReceiptCodec.readFields(in, kind, api.limits, "", f -> {
            switch (f) {
                case "op", "req", "queue", "sub" -> in.skip();
                case "credit" -> grant[0] = in.readLong(f, 1, StreamSubscription.MAX_CREDIT);
                default -> throw JsonIn.unknown("", f);
            }
        }));
        if (grantTo != null) {
            grantTo.grant(grant[0]);
            grantTo.pump();
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
            return g -> ReceiptCodec.writeResults(g, p.receipts(), out);
        });
    }

    private void subscribe(JsonNode frame, Object req) {
        if (subs.size() >= MAX_SUBSCRIPTIONS) {
            throw SpoolException.tooMany("at most " + MAX_SUBSCRIPTIONS + " subscriptions per stream", 1000);
        }
        if (api.limits.maxWaitMs() == 0) {
            throw new SpoolException(ErrorCode.NOT_IMPLEMENTED, "subscriptions need max-wait-ms > 0 on the server");
        }
        StreamSubscription.Spec spec = read(frame, in -> StreamSubscription.Spec.read(in, api.limits));
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

    private void credit(JsonNode frame, Object req) {
        StreamSubscription s = sub(frame);
        long grant = read(frame, in -> {
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
        s.pump();
    }

    private void unsubscribe(JsonNode frame, Object req) {
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
    private StreamSubscription creditTarget(JsonNode frame) {
        JsonNode n = frame.get("sub");
        if (n != null && n.isTextual() && !subs.containsKey(n.textValue()) && endedSubs.contains(n.textValue())) {
            return null;
        }
        return sub(frame);
    }

    private StreamSubscription sub(JsonNode frame) {
        JsonNode n = frame.get("sub");
        if (n == null || !n.isTextual()) {
            throw SpoolException.invalid("sub", "sub is required");
        }
        StreamSubscription s = subs.get(n.textValue());
        if (s == null) {
            throw SpoolException.withField(ErrorCode.NOT_FOUND, "sub", "no subscription '" + n.textValue() + "'");
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
        api.state.enter();
        inFlight++;
        flowControl();
        Api.on(ctx, stage, (v, e) -> {
            api.state.exit();
            inFlight--;
            if (e != null) {
                sendError(req, null, e);
            } else {
                Json.Writer w = ok.apply(v);
                if (req != null) {
                    reply(req, w);
                }
            }
            flowControl();
        });
    }

    private void reply(Object req, Json.Writer fields) {
        send(Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("op", "ok");
            writeReq(g, req);
            fields.write(g);
            g.writeEndObject();
        }));
    }

    void sendError(Object req, String sub, Throwable t) {
        SpoolException e = Errors.toSpool(t);
        send(Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("op", "error");
            writeReq(g, req);
            if (sub != null) {
                g.writeStringField("sub", sub);
            }
            g.writeFieldName("error");
            Errors.writeInner(g, e);
            g.writeEndObject();
        }));
    }

    private static void writeReq(JsonGenerator g, Object req) throws IOException {
        if (req instanceof Long l) {
            g.writeNumberField("req", l);
        } else if (req instanceof String s) {
            g.writeStringField("req", s);
        }
    }

    void send(Buffer frame) {
        if (!ws.isClosed()) {
            ws.writeTextMessage(frame.toString(java.nio.charset.StandardCharsets.UTF_8));
        }
        flowControl();
    }
}
