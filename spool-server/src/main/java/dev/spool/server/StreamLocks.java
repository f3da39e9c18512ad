package dev.spool.server;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;

/**
 * The lock frames of a {@code /v1/stream} socket: {@code acquire}, {@code keepalive} and
 * {@code release}, with the fields of their HTTP bodies plus {@code lock}, so that a client holding
 * many locks needs no request per call. Replies are {@code ok} frames with the lease fields, or
 * {@code error} frames ({@code lock_held}, {@code stale_lease}, ...).
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

    /** The socket closed: acquires still in line leave it. */
    void close() {
        for (CompletableFuture<LockLease> f : List.copyOf(waiting)) {
            f.cancel(false);
        }
        waiting.clear();
    }
}
