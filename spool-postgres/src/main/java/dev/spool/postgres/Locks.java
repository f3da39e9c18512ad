package dev.spool.postgres;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import dev.spool.api.BrokerLimits;
import dev.spool.api.ErrorCode;
import dev.spool.api.LockChecks;
import dev.spool.api.LockFence;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Names;
import dev.spool.api.SpoolException;
import dev.spool.api.TxOp;

/**
 * Locks on PostgreSQL: the lock operations of the Broker, each a call of a {@code spool_lock_*}
 * function on the pool. One row per name holds the holder (lease id, token, expiry by the database
 * clock), the last token issued and the state document, so any server can serve any lock and a
 * restart or a killed server loses nothing but its waiters. Tokens are {@code last_token + 1}
 * written by the UPDATE that grants, under the row's lock: strictly increasing per name across
 * servers and restarts. Waiting acquires are in {@link LockLines}.
 */
final class Locks implements AutoCloseable {
    private final Db db;
    private final Waiters waiters;
    private final BrokerLimits limits;
    private final LockLines lines;
    private final SecureRandom random = new SecureRandom();
    private final String server;
    private volatile boolean closed;

    Locks(Db db, Waiters waiters, BrokerLimits limits) {
        this.db = db;
        this.waiters = waiters;
        this.limits = limits;
        this.server = newId();
        this.lines = new LockLines(db, waiters, server);
    }

    /** This server's waiting lines (the listener wakes them). */
    LockLines lines() {
        return lines;
    }

    /** An unguessable id: 128 random bits in hex. */
    private String newId() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Runs a lock operation; its input checks and a closed broker fail the stage, never the caller. */
    private <T> CompletableFuture<T> checked(java.util.function.Supplier<CompletableFuture<T>> op) {
        if (closed) {
            return CompletableFuture.failedFuture(new SpoolException(ErrorCode.UNAVAILABLE, "the broker is closed"));
        }
        try {
            return op.get();
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    CompletableFuture<LockLease> acquire(String name, LockRequest r) {
        return checked(() -> acquireChecked(name, r));
    }

    private CompletableFuture<LockLease> acquireChecked(String name, LockRequest r) {
        LockChecks.acquire(name, r, limits);
        String leaseId = newId();
        if (r.waitMs() == 0) {
            return db.call(c -> LockOps.acquire(c, name, r.owner(), r.ttlMs(), leaseId, 0, server)).thenApply(a -> {
                if (a.status() != LockOps.GRANTED) {
                    throw LockLines.held(name, a);
                }
                return new LockLease(name, leaseId, a.token(), r.owner(), a.expiresAt());
            });
        }
        if (!waiters.reserve()) {
            return CompletableFuture.failedFuture(SpoolException.tooMany("too many waiting requests", 100));
        }
        return lines.await(name, r, leaseId);
    }

    /** An acquire op of a transaction, on its connection: granted at once or {@code lock_held}. */
    LockLease acquireInTx(java.sql.Connection c, String name, LockRequest r) throws java.sql.SQLException {
        String leaseId = newId();
        LockOps.Attempt a = LockOps.acquire(c, name, r.owner(), r.ttlMs(), leaseId, 0, server);
        if (a.status() != LockOps.GRANTED) {
            throw LockLines.held(name, a);
        }
        return new LockLease(name, leaseId, a.token(), r.owner(), a.expiresAt());
    }

    CompletableFuture<LockLease> keepalive(String name, LockFence fence, long ttlMs) {
        return checked(() -> {
            LockChecks.fence(name, fence);
            LockChecks.ttl(ttlMs);
            return db.call(c -> LockOps.keepalive(c, name, fence, ttlMs));
        });
    }

    CompletableFuture<Void> release(String name, LockFence fence) {
        return checked(() -> {
            LockChecks.fence(name, fence);
            return db.call(c -> {
                LockOps.release(c, name, fence);
                return (Void) null;
            }).thenApply(v -> {
                lines.wake(name);
                return v;
            });
        });
    }

    CompletableFuture<LockInfo> info(String name) {
        return checked(() -> {
            Names.checkLock(name, "lock");
            return db.call(c -> LockOps.info(c, name)).thenApply(o -> o.orElseThrow(() -> new SpoolException(
                    ErrorCode.LOCK_NOT_FOUND, "lock " + name + " was never acquired")));
        });
    }

    CompletableFuture<List<LockInfo>> list(String prefix, String after, int limit) {
        return checked(() -> {
            LockChecks.list(prefix, after, limit);
            return db.call(c -> LockOps.list(c, prefix, after, limit));
        });
    }

    CompletableFuture<LockState> state(String name) {
        return checked(() -> {
            Names.checkLock(name, "lock");
            return db.call(c -> LockOps.state(db, c, name)).thenApply(o -> o.orElseThrow(() -> new SpoolException(
                    ErrorCode.NOT_FOUND, "lock " + name + " has no state document")));
        });
    }

    CompletableFuture<LockStateInfo> putState(String name, LockStateWrite w) {
        return checked(() -> {
            LockChecks.write(name, w);
            LockStateWrite sealed = LockOps.sealed(db, name, w);
            Db.Work<LockStateInfo> work = c -> LockOps.putState(c, name, sealed);
            return (LockOps.needsTx(sealed) ? db.tx(work) : db.call(work)).thenApply(i -> new LockStateInfo(
                    i.version(), w.contentType(), w.payload().size(), i.updatedAt(), i.token()));
        });
    }

    CompletableFuture<Void> deleteState(String name, LockFence fence, OptionalLong ifVersion) {
        return checked(() -> {
            LockChecks.fence(name, fence);
            LockChecks.ifVersion(ifVersion);
            return db.call(c -> {
                LockOps.deleteState(c, name, fence, ifVersion);
                return null;
            });
        });
    }

    /** After a transaction committed: its releases serve this server's next waiters at once. */
    void committed(List<TxOp> ops) {
        for (TxOp op : ops) {
            if (op instanceof TxOp.LockRelease r) {
                lines.wake(r.lock());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        lines.close();
    }
}
