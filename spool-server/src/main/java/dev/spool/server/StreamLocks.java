package dev.spool.server;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.spool.api.ErrorCode;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

/**
 * The lock frames of a {@code /v1/stream} socket: {@code acquire}, {@code keepalive} and
 * {@code release}, with the fields of their HTTP bodies plus {@code lock}, so that a client holding
 * many locks needs no request per call. Replies are {@code ok} frames with the lease fields, or
 * {@code error} frames ({@code lock_held}, {@code stale_lease}, ...). A {@code tx} frame carries a
 * whole transaction, so a lock cycle (acquire, state write, release) is one frame. A
 * {@code read_state} frame reads a state document of at most {@value #MAX_STREAM_STATE_BYTES} bytes
 * (larger ones are read with {@code GET /v1/locks/{name}/state}, which streams them).
 *
 * <p>Runs on the session's context. Acquires still waiting when the socket closes are cancelled
 * (their waiters leave the line); a lease granted after the socket closed is released at once.
 * Leases granted before stay until released or expired: the holder may keep them alive from
 * another connection.
 */
final class StreamLocks {
    private static final Set<String> FRAME_FIELDS = Set.of("op", "req", "lock");
    /** Largest state document a {@code read_state} frame carries; a frame is held whole in memory. */
    static final int MAX_STREAM_STATE_BYTES = 64 * 1024;

    private final StreamSession session;
    private final Set<CompletableFuture<LockLease>> waiting = new HashSet<>();

    StreamLocks(StreamSession session) {
        this.session = session;
    }

    void acquire(StreamFrame frame, Object req) {
        String name = frame.lock();
        LockRequest r = frame.read(in -> LockCodec.readAcquireFields(in, FRAME_FIELDS));
        Api api = session.api;
        CompletableFuture<LockLease> stage = api.broker.acquireLock(name, r).toCompletableFuture();
        if (!stage.isDone()) {
            // a waiting acquire is a long poll: shutdown does not wait for it, the broker's close ends it
            waiting.add(stage);
            api.state.waiting(true);
            stage.whenComplete((v, e) -> session.ctx.runOnContext(x -> {
                waiting.remove(stage);
                api.state.waiting(false);
            }));
        }
        session.track(req, stage, lease -> {
            if (session.closed()) {
                api.broker.releaseLock(name, lease.fence());
            } else {
                api.metrics.locks().acquired.increment();
            }
            return g -> LockCodec.writeLeaseFields(g, lease);
        });
    }

    void keepalive(StreamFrame frame, Object req) {
        String name = frame.lock();
        LockCodec.FenceBody b = frame.read(in -> LockCodec.readFenceFields(in, true, FRAME_FIELDS));
        session.track(req, session.api.broker.keepaliveLock(name, b.fence(), b.ttlMs()),
                lease -> g -> LockCodec.writeLeaseFields(g, lease));
    }

    void release(StreamFrame frame, Object req) {
        String name = frame.lock();
        LockCodec.FenceBody b = frame.read(in -> LockCodec.readFenceFields(in, false, FRAME_FIELDS));
        session.track(req, session.api.broker.releaseLock(name, b.fence()), v -> {
            session.api.metrics.locks().released.increment();
            return g -> { };
        });
    }

    /**
     * {@code {"op":"read_state","req":..,"lock":..}}: the lock's state document and its description
     * ({@code name}, {@code version}, {@code content_type}, {@code size}, {@code updated_at},
     * {@code token}). A JSON document that parses as one JSON value is embedded as {@code payload}
     * with {@code "encoding":"json"}; any other is {@code payload_base64} with
     * {@code "encoding":"base64"}. No document: {@code not_found}; one over
     * {@value #MAX_STREAM_STATE_BYTES} bytes: {@code payload_too_large} (nothing is read).
     */
    void readState(StreamFrame frame, Object req) {
        String name = frame.lock();
        frame.read(in -> {
            String f;
            while ((f = in.nextField()) != null) {
                if (!FRAME_FIELDS.contains(f)) {
                    throw JsonIn.unknown("", f);
                }
                in.skip();
            }
            return null;
        });
        CompletionStage<LockState> stage = session.api.broker.getLockState(name).thenCompose(this::inline);
        StateFrames cache = session.api.stateFrames;
        session.track(req, stage, state -> g -> {
            byte[] fields = stateFields(cache, name, state);
            g.writeRaw(new RawJson(fields, 0, fields.length));
        });
    }

    /**
     * The reply's fields after {@code op} and {@code req}, as UTF-8 JSON starting with a comma:
     * from {@code cache} when encoded from this very document before, else encoded and kept.
     */
    static byte[] stateFields(StateFrames cache, String name, LockState state) {
        byte[] source = state.payload().toBytes();
        byte[] fields = cache.get(name, state.info(), source);
        if (fields != null) {
            return fields;
        }
        io.vertx.core.buffer.Buffer object = Json.render(g -> {
            g.writeStartObject();
            writeState(g, name, state);
            g.writeEndObject();
        });
        int n = object.length();
        // "{...}" becomes ",..." so that it follows the fields the reply already wrote
        fields = new byte[n - 1];
        fields[0] = ',';
        object.getBytes(1, n - 1, fields, 1);
        cache.put(name, state.info(), source, fields);
        return fields;
    }

    /** A document small enough for a frame, its bytes on the heap (a streamed one is read off the event loop). */
    private CompletionStage<LockState> inline(LockState s) {
        if (s.info().size() > MAX_STREAM_STATE_BYTES || s.payload().size() > MAX_STREAM_STATE_BYTES) {
            throw SpoolException.withField(ErrorCode.PAYLOAD_TOO_LARGE, "lock", "the state document of "
                    + s.info().size() + " bytes is over the stream's " + MAX_STREAM_STATE_BYTES
                    + " bytes; read it with GET /v1/locks/{name}/state");
        }
        if (s.payload() instanceof Payload.Inline) {
            return CompletableFuture.completedFuture(s);
        }
        return session.ctx.executeBlocking(() -> new LockState(s.info(), Payload.of(s.payload().toBytes())), false)
                .toCompletionStage();
    }

    private static void writeState(com.fasterxml.jackson.core.JsonGenerator g, String name, LockState state)
            throws java.io.IOException {
        LockStateInfo info = state.info();
        byte[] bytes = state.payload().toBytes();
        g.writeStringField("name", name);
        g.writeNumberField("version", info.version());
        g.writeStringField("content_type", info.contentType());
        g.writeNumberField("size", info.size());
        g.writeNumberField("updated_at", info.updatedAt());
        g.writeNumberField("token", info.token());
        if (Json.isJsonMedia(info.contentType()) && MessageCodec.isOneJsonValue(bytes)) {
            g.writeStringField("encoding", "json");
            g.writeFieldName("payload");
            g.writeRawValue(new RawJson(bytes, 0, bytes.length));
        } else {
            g.writeStringField("encoding", "base64");
            g.writeFieldName("payload_base64");
            g.writeBinary(bytes);
        }
    }

    /**
     * {@code {"op":"tx","req":..,"ops":[...]}}: a transaction as {@code POST /v1/tx} takes it (so a
     * lock cycle, {@code acquire} + {@code lock_state} + {@code release}, is one frame); the reply
     * carries {@code results} as the HTTP reply does. Each op is authorized like the HTTP one.
     */
    void tx(StreamFrame frame, Object req, dev.spool.server.security.Principal principal) {
        Api api = session.api;
        List<dev.spool.api.TxOp> ops = readTx(frame, api.limits);
        if (principal != null) {
            TxRoutes.authorize(principal, ops);
        }
        var stage = api.broker.transact(ops).toCompletableFuture().exceptionally(e -> {
            throw TxRoutes.attributed(Errors.toSpool(e));
        });
        session.track(req, stage, res -> {
            TxRoutes.count(api, ops);
            return g -> TxRoutes.writeResults(g, ops, res);
        });
    }

    /**
     * A {@code tx} frame's ops: those its routing pass read ({@link StreamFrame#txOps}), else read
     * in one streaming pass of their own (no tree either way; payloads sliced as written).
     */
    static List<dev.spool.api.TxOp> readTx(StreamFrame frame, dev.spool.api.BrokerLimits limits) {
        List<dev.spool.api.TxOp> scanned = frame.txOps();
        if (scanned != null) {
            return TxRoutes.required(scanned);
        }
        return TxRoutes.required(frame.read(in -> {
            List<dev.spool.api.TxOp> read = null;
            String f;
            while ((f = in.nextField()) != null) {
                switch (f) {
                    case "op", "req" -> in.skip();
                    case "ops" -> read = TxRoutes.readOpArray(in, limits);
                    default -> throw JsonIn.unknown("", f);
                }
            }
            return read;
        }));
    }

    /** The socket closed: acquires still in line leave it. */
    void close() {
        for (CompletableFuture<LockLease> f : List.copyOf(waiting)) {
            f.cancel(false);
        }
        waiting.clear();
    }
}
