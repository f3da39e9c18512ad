package dev.spool.server;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;

import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.SpoolException;

/**
 * The lock frames of a {@code /v1/stream} socket: {@code acquire}, {@code keepalive} and
 * {@code release}, with the fields of their HTTP bodies plus {@code lock}, so that a client holding
 * many locks needs no request per call. Replies are {@code ok} frames with the lease fields, or
 * {@code error} frames ({@code lock_held}, {@code stale_lease}, ...). A {@code tx} frame carries a
 * whole transaction, so a lock cycle (acquire, state write, release) is one frame.
 *
 * <p>Runs on the session's context. Acquires still waiting when the socket closes are cancelled
 * (their waiters leave the line); a lease granted after the socket closed is released at once.
 * Leases granted before stay until released or expired: the holder may keep them alive from
 * another connection.
 */
final class StreamLocks {
    private static final Set<String> FRAME_FIELDS = Set.of("op", "req", "lock");

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
     * {@code {"op":"tx","req":..,"ops":[...]}}: a transaction as {@code POST /v1/tx} takes it (so a
     * lock cycle, {@code acquire} + {@code lock_state} + {@code release}, is one frame); the reply
     * carries {@code results} as the HTTP reply does. Each op is authorized like the HTTP one.
     */
    void tx(StreamFrame streamFrame, Object req, dev.spool.server.security.Principal principal) {
        JsonNode frame = streamFrame.tree();
        for (java.util.Iterator<String> it = frame.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!"op".equals(f) && !"req".equals(f) && !"ops".equals(f)) {
                throw SpoolException.invalid(f, "unknown field");
            }
        }
        com.fasterxml.jackson.databind.node.ObjectNode body = com.fasterxml.jackson.databind.node.JsonNodeFactory
                .instance.objectNode();
        if (frame.has("ops")) {
            body.set("ops", frame.get("ops"));
        }
        Api api = session.api;
        List<dev.spool.api.TxOp> ops = TxRoutes.readOps(body, api.limits);
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

    /** The socket closed: acquires still in line leave it. */
    void close() {
        for (CompletableFuture<LockLease> f : List.copyOf(waiting)) {
            f.cancel(false);
        }
        waiting.clear();
    }
}
