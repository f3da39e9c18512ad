package dev.spool.embedded;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;

import dev.spool.api.ErrorCode;
import dev.spool.api.LockFence;
import dev.spool.api.LockHolder;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.MessageBody;
import dev.spool.api.SpoolException;

/**
 * The lock commands on the engine thread: grants with the next fencing token, fair waiting (a line
 * per lock, served the moment the lock is released or its lease ends, never polled), fenced
 * keepalive, release and state writes, and the lock operations of transactions. Every change goes
 * through the {@link LockTable} and is recorded in the {@link Wal} before its reply.
 */
final class LockOps {
    private final Engine engine;
    /** The durable documents that public reads take without the engine thread. */
    final PublishedStates published = new PublishedStates(PublishedStates.DEFAULT_BUDGET_BYTES);
    private final PriorityQueue<LockWaiter> deadlines =
            new PriorityQueue<>((a, b) -> Long.compare(a.deadline, b.deadline));

    LockOps(Engine engine) {
        this.engine = engine;
    }

    private LockTable table() {
        return engine.sm.locks;
    }

    // ---- acquire, keepalive, release ----

    void acquire(Command.AcquireLock c) {
        LockEntry l = table().getOrCreate(c.name());
        if (!l.held() && l.waiters.isEmpty()) {
            grant(l, c);
            return;
        }
        if (c.request().waitMs() == 0) {
            throw held(l);
        }
        engine.waiterAdded();
        LockWaiter w = new LockWaiter(c, l, engine.now + c.request().waitMs());
        l.waiters.add(w);
        deadlines.add(w);
    }

    private void grant(LockEntry l, Command.AcquireLock c) {
        long now = engine.now;
        table().grant(l, c.leaseId(), l.lastToken + 1, c.request().owner(), now, now + c.request().ttlMs());
        engine.wal.lockAcquire(l, now);
        engine.wal.reply(c.reply(), lease(l));
    }

    private static SpoolException held(LockEntry l) {
        return new SpoolException(ErrorCode.LOCK_HELD, "lock " + l.name + " is held by " + l.owner + " until "
                + l.expiresAt + " (epoch ms), token " + l.token);
    }

    private static LockLease lease(LockEntry l) {
        return new LockLease(l.name, l.leaseId, l.token, l.owner, l.expiresAt);
    }

    void keepalive(Command.KeepaliveLock c) {
        LockEntry l = fenced(c.name(), c.fence());
        table().keepalive(l, engine.now + c.ttlMs());
        engine.wal.lockKeepalive(l, engine.now);
        engine.wal.reply(c.reply(), lease(l));
    }

    void release(Command.ReleaseLock c) {
        LockEntry l = fenced(c.name(), c.fence());
        releaseHeld(l);
        engine.wal.reply(c.reply(), null);
        serveWaiters(l);
    }

    private void releaseHeld(LockEntry l) {
        long token = l.token;
        table().release(l);
        engine.wal.lockRelease(l, token, engine.now);
    }

    /** The lock whose holder {@code fence} proves, or STALE_LEASE. */
    private LockEntry fenced(String name, LockFence fence) {
        LockEntry l = table().get(name);
        if (l == null || !l.fencedBy(fence.leaseId(), fence.token())) {
            throw stale(name, fence);
        }
        return l;
    }

    private static SpoolException stale(String name, LockFence fence) {
        return SpoolException.withField(ErrorCode.STALE_LEASE, "lease_id", "lease " + fence.leaseId() + " with token "
                + fence.token() + " does not hold lock " + name + " (released, expired or superseded)");
    }

    void cancel(Command.CancelAcquire c) {
        LockEntry l = table().get(c.name());
        if (l != null) {
            LockWaiter found = null;
            for (LockWaiter w : l.waiters) {
                if (!w.done && w.command.leaseId().equals(c.leaseId())) {
                    found = w;
                    break;
                }
            }
            if (found != null) {
                found.done = true;
                l.waiters.remove(found);
                engine.waiterGone();
            } else if (c.leaseId().equals(l.leaseId)) {
                // granted while the caller gave up: nobody will use it, pass it on
                releaseHeld(l);
                serveWaiters(l);
            }
        }
        engine.wal.reply(c.reply(), null);
    }

    /** Hands a free lock to the first waiter still waiting. */
    void serveWaiters(LockEntry l) {
        LockWaiter w;
        while (!l.held() && (w = l.waiters.poll()) != null) {
            if (!w.done) {
                w.done = true;
                engine.waiterGone();
                grant(l, w.command);
            }
        }
    }

    /** Live: a holder's lease ended (timer); the next in line gets the lock. */
    void expired(LockEntry l) {
        serveWaiters(l);
    }

    /** Fails the waiters whose wait ended. */
    void expireWaiters(long now) {
        LockWaiter w;
        while ((w = deadlines.peek()) != null && (w.done || w.deadline <= now)) {
            deadlines.poll();
            if (!w.done) {
                w.done = true;
                w.lock.waiters.remove(w);
                engine.waiterGone();
                engine.wal.fail(w.command.reply(), held(w.lock));
            }
        }
    }

    long nextWaiterDeadline() {
        LockWaiter w;
        while ((w = deadlines.peek()) != null && w.done) {
            deadlines.poll();
        }
        return w == null ? Long.MAX_VALUE : w.deadline;
    }

    /** Closing: every waiter is told the broker is closed. */
    void failWaiters() {
        for (LockWaiter w : new ArrayList<>(deadlines)) {
            if (!w.done) {
                w.done = true;
                engine.wal.fail(w.command.reply(), new SpoolException(ErrorCode.UNAVAILABLE, "the broker is closed"));
            }
        }
        deadlines.clear();
    }

    // ---- reads ----

    void get(Command.GetLock c) {
        LockEntry l = table().get(c.name());
        if (l == null) {
            throw new SpoolException(ErrorCode.LOCK_NOT_FOUND, "lock " + c.name() + " was never acquired");
        }
        engine.wal.reply(c.reply(), info(l));
    }

    void list(Command.ListLocks c) {
        String from = c.after().compareTo(c.prefix()) >= 0 ? c.after() : c.prefix();
        boolean inclusive = c.after().compareTo(c.prefix()) < 0;
        List<LockInfo> out = new ArrayList<>();
        for (Map.Entry<String, LockEntry> e : table().byName.tailMap(from, inclusive).entrySet()) {
            if (!e.getKey().startsWith(c.prefix()) || out.size() >= c.limit()) {
                break;
            }
            out.add(info(e.getValue()));
        }
        engine.wal.reply(c.reply(), out);
    }

    private static LockInfo info(LockEntry l) {
        Optional<LockHolder> holder = l.held()
                ? Optional.of(new LockHolder(l.owner, l.token, l.acquiredAt, l.expiresAt)) : Optional.empty();
        return new LockInfo(l.name, holder, l.lastToken, l.waiters.size(), Optional.ofNullable(stateInfo(l)));
    }

    private static LockStateInfo stateInfo(LockEntry l) {
        return l.doc == null ? null
                : new LockStateInfo(l.doc.id, l.docContentType, l.docSize, l.docUpdatedAt, l.docToken);
    }

    void getState(Command.GetLockState c) {
        LockEntry l = table().get(c.name());
        if (l == null || l.doc == null) {
            throw new SpoolException(ErrorCode.NOT_FOUND, "lock " + c.name() + " has no state");
        }
        MessageBody body = engine.wal.body(l.doc);
        engine.wal.reply(c.reply(), new LockState(stateInfo(l), body.payload()));
    }

    // ---- state writes ----

    void putState(Command.PutLockState c) {
        LockEntry l = fenced(c.name(), c.write().fence());
        checkVersion(l, l.version(), c.write().ifVersion());
        applyPut(l, c.write());
        engine.wal.reply(c.reply(), stateInfo(l));
    }

    void deleteState(Command.DeleteLockState c) {
        LockEntry l = fenced(c.name(), c.fence());
        if (l.doc == null) {
            throw new SpoolException(ErrorCode.NOT_FOUND, "lock " + c.name() + " has no state");
        }
        checkVersion(l, l.version(), c.ifVersion());
        long version = l.version();
        Msg old = table().deleteState(l, version);
        engine.wal.lockStateDelete(l, version, engine.now);
        engine.wal.deleted(old);
        String name = l.name;
        publishWhenDurable(() -> published.deleted(name, version));
        engine.wal.reply(c.reply(), null);
    }

    private static void checkVersion(LockEntry l, long current, OptionalLong ifVersion) {
        if (ifVersion.isPresent() && ifVersion.getAsLong() != current) {
            throw SpoolException.withField(ErrorCode.VERSION_MISMATCH, "if_version", "lock " + l.name
                    + " state is at version " + current + ", not " + ifVersion.getAsLong());
        }
    }

    private void applyPut(LockEntry l, LockStateWrite w) {
        MessageBody body = new MessageBody(w.payload(), w.contentType(), Map.of(), Optional.empty(), (byte) 0,
                Optional.empty());
        Msg old = table().putState(l, l.lastVersion + 1, body, w.contentType(), w.payload().size(), l.token,
                engine.now);
        engine.wal.lockStatePut(l, engine.now);
        if (old != null) {
            engine.wal.deleted(old);
        }
        String name = l.name;
        LockStateInfo info = stateInfo(l);
        publishWhenDurable(() -> published.written(name, info, w.payload()));
    }

    /**
     * Runs {@code publish} once what was appended so far is durable and before any reply appended
     * after it completes (replies complete in order), so an acknowledged write is already visible
     * to reads that skip the engine. Dropped with the command if the command is abandoned.
     */
    private void publishWhenDurable(Runnable publish) {
        CompletableFuture<Void> durable = new CompletableFuture<>();
        durable.thenRun(publish);
        engine.wal.reply(durable, null);
    }

    // ---- transactions ----

    /** What a transaction's check phase has already claimed of each lock, by name. */
    static final class TxView {
        private final Map<String, long[]> versions = new java.util.HashMap<>();
        private final java.util.Set<String> released = new java.util.HashSet<>();
        final List<LockEntry> toServe = new ArrayList<>();
    }

    /**
     * Checks a lock op against the state and the ops before it in the same transaction. An acquire
     * needs the lock free with nobody waiting (a transaction does not wait, nor jump the line); an
     * op with {@link LockFence#TX_ACQUIRED} acts with that acquire's lease (validation made sure one
     * comes before it).
     */
    void check(TxView v, dev.spool.api.TxOp.OnLock op) {
        switch (op) {
            case dev.spool.api.TxOp.LockAcquire a -> {
                LockEntry l = table().get(a.lock());
                if (l != null && (l.held() || !l.waiters.isEmpty())) {
                    throw held(l);
                }
            }
            case dev.spool.api.TxOp.LockStatePut p -> {
                LockEntry l = fencedInTx(v, p.lock(), p.write().fence());
                long[] ver = v.versions.computeIfAbsent(p.lock(), k -> l == null ? new long[] {0, 0}
                        : new long[] {l.version(), l.lastVersion});
                if (p.write().ifVersion().isPresent() && p.write().ifVersion().getAsLong() != ver[0]) {
                    throw SpoolException.withField(ErrorCode.VERSION_MISMATCH, "if_version", "lock " + p.lock()
                            + " state is at version " + ver[0] + ", not " + p.write().ifVersion().getAsLong());
                }
                ver[1]++;
                ver[0] = ver[1];
            }
            case dev.spool.api.TxOp.LockRelease r -> {
                fencedInTx(v, r.lock(), r.fence());
                if (!v.released.add(r.lock())) {
                    throw stale(r.lock(), r.fence());
                }
            }
        }
    }

    /** The lock a fenced tx op acts on (null when an earlier op acquires a lock not yet in the table). */
    private LockEntry fencedInTx(TxView v, String name, LockFence fence) {
        if (v.released.contains(name)) {
            throw stale(name, fence);
        }
        if (fence.txAcquired()) {
            return table().get(name);
        }
        return fenced(name, fence);
    }

    /** Applies a checked acquire inside the open journal transaction: the lock is free (checked). */
    LockLease grantInTx(dev.spool.api.TxOp.LockAcquire a, String leaseId) {
        LockEntry l = table().getOrCreate(a.lock());
        long now = engine.now;
        table().grant(l, leaseId, l.lastToken + 1, a.request().owner(), now, now + a.request().ttlMs());
        engine.wal.lockAcquire(l, now);
        return lease(l);
    }

    /** Applies a checked lock op inside the open journal transaction. */
    void apply(TxView v, dev.spool.api.TxOp.OnLock op) {
        switch (op) {
            case dev.spool.api.TxOp.LockAcquire a -> throw new IllegalStateException("acquires are granted by grantInTx");
            case dev.spool.api.TxOp.LockStatePut p -> applyPut(table().get(p.lock()), p.write());
            case dev.spool.api.TxOp.LockRelease r -> {
                LockEntry l = table().get(r.lock());
                releaseHeld(l);
                v.toServe.add(l);
            }
        }
    }

    /** After the transaction record: hands released locks on. */
    void afterCommit(TxView v) {
        for (LockEntry l : v.toServe) {
            serveWaiters(l);
        }
    }
}
