package dev.spool.client;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.spool.api.ErrorCode;
import dev.spool.api.LockFence;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;
import dev.spool.api.TxOp;

/**
 * A held lock: its fencing token, its state document, and a lease kept alive in the background
 * until {@link #close()} releases it.
 *
 * <pre>{@code
 * try (Lock l = client.lock("orders-export").owner("worker-7").ttl(Duration.ofSeconds(30))
 *         .acquire(Duration.ofSeconds(10))) {
 *     storage.write(data, l.token());           // the resource refuses tokens older than the last it saw
 *     l.putState(progress, "application/json");
 * }
 * }</pre>
 *
 * <p>Keepalive runs on the client's event loop every third of the ttl. When the server refuses it
 * ({@code stale_lease}: the lease expired and someone else may hold the lock) or when it could not
 * be renewed before the lease's end, the lock is lost: {@link #isHeld()} turns false, {@link #lost()}
 * completes with the reason, and writes through this handle fail with {@code stale_lease} on the
 * server. Closing stops the keepalive and releases the lock; closing a lost lock does nothing more.
 * Thread-safe.
 */
public final class Lock implements AutoCloseable {
    private final SpoolClient client;
    private final String name;
    private final long ttlMs;
    private final CompletableFuture<SpoolException> lost = new CompletableFuture<>();
    private volatile LockLease lease;
    private volatile boolean closed;
    private final long timer;

    private Lock(SpoolClient client, LockLease lease, long ttlMs) {
        this.client = client;
        this.name = lease.name();
        this.lease = lease;
        this.ttlMs = ttlMs;
        long period = Math.max(1, ttlMs / 3);
        this.timer = client.transport().vertx().setPeriodic(period, id -> keepalive());
    }

    /** The lock's name. */
    public String name() {
        return name;
    }

    /** The fencing token: greater than every token issued for this lock before. */
    public long token() {
        return lease.token();
    }

    /** The lease id, which with the token proves holding (keep it secret). */
    public String leaseId() {
        return lease.leaseId();
    }

    /** The lease id and token, as the {@link dev.spool.api.Broker} calls and transactions take them. */
    public LockFence fence() {
        return lease.fence();
    }

    /** When the lease ends unless kept alive (the keepalive moves it). */
    public Instant expiresAt() {
        return Instant.ofEpochMilli(lease.expiresAt());
    }

    /** Whether the lock is still held: not closed and not lost. */
    public boolean isHeld() {
        return !closed && !lost.isDone();
    }

    /** Completes with the reason when the lease is lost (never completes if it is released first). */
    public CompletionStage<SpoolException> lost() {
        return lost;
    }

    /** The lock's state document, empty when it has none. */
    public Optional<LockState> state() {
        try {
            return Optional.of(SpoolClient.await(client.getLockState(name)));
        } catch (SpoolException e) {
            if (e.code() == ErrorCode.NOT_FOUND || e.code() == ErrorCode.LOCK_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Replaces the state document. */
    public LockStateInfo putState(byte[] bytes, String contentType) {
        return putState(Payload.of(bytes), contentType, OptionalLong.empty());
    }

    /** Replaces the state document if its version is still {@code ifVersion} (0: no document yet). */
    public LockStateInfo putState(Payload payload, String contentType, OptionalLong ifVersion) {
        return SpoolClient.await(client.putLockState(name, new LockStateWrite(fence(), payload, contentType,
                ifVersion)));
    }

    /** Deletes the state document. */
    public void deleteState() {
        SpoolClient.await(client.deleteLockState(name, fence(), OptionalLong.empty()));
    }

    /** Stops the keepalive and releases the lock (unless it was lost). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        client.transport().vertx().cancelTimer(timer);
        if (lost.isDone()) {
            return;
        }
        try {
            SpoolClient.await(client.releaseLock(name, fence()));
        } catch (SpoolException e) {
            if (e.code() != ErrorCode.STALE_LEASE) {
                throw e;
            }
        }
    }

    private void keepalive() {
        if (closed || lost.isDone()) {
            client.transport().vertx().cancelTimer(timer);
            return;
        }
        LockLease current = lease;
        client.keepaliveLock(name, current.fence(), ttlMs).whenComplete((l, e) -> {
            if (e == null) {
                lease = l;
                return;
            }
            SpoolException s = SpoolClient.unwrap(e);
            boolean refused = s.code() == ErrorCode.STALE_LEASE || s.code() == ErrorCode.INVALID_ARGUMENT;
            if (refused || System.currentTimeMillis() >= current.expiresAt()) {
                client.transport().vertx().cancelTimer(timer);
                lost.complete(s);
            }
        });
    }

    /**
     * How to acquire a lock; from {@link SpoolClient#lock(String)}. Defaults: owner
     * {@code <pid>@<host>}, ttl 30 s.
     */
    public static final class Builder {
        private final SpoolClient client;
        private final String name;
        private String owner = defaultOwner();
        private Duration ttl = Duration.ofSeconds(30);

        Builder(SpoolClient client, String name) {
            this.client = client;
            this.name = name;
        }

        /** Who asks, shown to others while held (1-256 characters). */
        public Builder owner(String v) {
            if (v == null) {
                throw SpoolException.invalid("owner", "owner must not be null");
            }
            this.owner = v;
            return this;
        }

        /** The lease's length; the keepalive renews it every third of it. */
        public Builder ttl(Duration v) {
            if (v == null || v.toMillis() < 3) {
                throw SpoolException.invalid("ttl_ms", "the ttl is at least 3 ms");
            }
            this.ttl = v;
            return this;
        }

        /**
         * Acquires, waiting in line up to {@code wait} (zero: answer at once).
         *
         * @throws SpoolException {@code lock_held} when the wait ends first
         */
        public Lock acquire(Duration wait) {
            return SpoolClient.await(acquireAsync(wait));
        }

        /** Acquires without blocking; cancelling the stage withdraws the waiter. */
        public CompletableFuture<Lock> acquireAsync(Duration wait) {
            long ttlMs = ttl.toMillis();
            CompletableFuture<LockLease> granted = client.acquireLock(name,
                    new LockRequest(owner, ttlMs, Math.max(0, wait.toMillis()))).toCompletableFuture();
            CompletableFuture<Lock> out = granted.thenApply(l -> new Lock(client, l, ttlMs));
            out.whenComplete((v, e) -> {
                if (out.isCancelled()) {
                    granted.cancel(false);
                }
            });
            return out;
        }

        /**
         * Acquires the lock, replaces its state document and releases it, in one request
         * ({@code POST /v1/tx} with an {@code acquire} op), all or nothing. Does not wait in line.
         *
         * @return the lease the cycle took and ended; its token is the document's writer token
         * @throws SpoolException {@code lock_held} when the lock is held or others wait for it
         */
        public LockLease acquireWriteRelease(Payload state, String contentType) {
            return SpoolClient.await(acquireWriteReleaseAsync(state, contentType));
        }

        /** {@link #acquireWriteRelease} without blocking. */
        public CompletableFuture<LockLease> acquireWriteReleaseAsync(Payload state, String contentType) {
            List<TxOp> ops = List.of(new TxOp.LockAcquire(name, new LockRequest(owner, ttl.toMillis(), 0)),
                    new TxOp.LockStatePut(name, new LockStateWrite(LockFence.TX_ACQUIRED, state, contentType,
                            OptionalLong.empty())),
                    new TxOp.LockRelease(name, LockFence.TX_ACQUIRED));
            return client.transact(ops).toCompletableFuture().thenApply(r -> r.lease(0).orElseThrow(
                    () -> new SpoolException(ErrorCode.INTERNAL, "the server's reply holds no lease")));
        }

        private static String defaultOwner() {
            return DefaultOwner.VALUE;
        }

        /** {@code <pid>@<host>}, looked up once: a builder per lock call must not ask the JVM each time. */
        private static final class DefaultOwner {
            static final String VALUE = compute();

            private static String compute() {
                String o = ManagementFactory.getRuntimeMXBean().getName();
                return o.length() > 256 ? o.substring(0, 256) : o;
            }
        }
    }
}
