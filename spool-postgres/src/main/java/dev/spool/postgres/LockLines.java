package dev.spool.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.spool.api.ErrorCode;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.SpoolException;

/**
 * This server's acquires that wait in line, per lock name, in arrival order. The line itself is in
 * the database ({@code spool_lock_waiters}, ids in arrival order across every server); here each
 * name keeps its local waiters sorted by those ids, and only the first of them asks the database
 * ({@code spool_lock_take}), so a release costs one attempt per server with waiters, not one per
 * waiter. The first local waiter is woken by a release or a waiter leaving ({@code NOTIFY l<name>},
 * and at once for this server's own calls), by a timer at the holder's expiry, and by the safety
 * re-check every 1.5 s, which also marks this server's waiters as alive ({@code seen_at}). Never
 * polled otherwise. A waiter whose wait ends or whose caller cancels leaves the line; a grant that
 * meets a cancelled caller is released again.
 */
final class LockLines implements AutoCloseable {
    private final Db db;
    private final Waiters waiters;
    private final String server;
    private final Map<String, ConcurrentSkipListMap<Long, Waiter>> lines = new ConcurrentHashMap<>();
    /** Counts wakes of any lock: a waiter joining the line looks once more if one came meanwhile. */
    private final AtomicLong wakes = new AtomicLong();
    private final ScheduledFuture<?> safety;
    private volatile boolean closed;

    LockLines(Db db, Waiters waiters, String server) {
        this.db = db;
        this.waiters = waiters;
        this.server = server;
        this.safety = waiters.scheduleRepeating(this::recheck, Waiting.SAFETY_MS);
    }

    /**
     * Waits in line for a lock (the first attempt has not been made yet: it may grant at once).
     * The caller has reserved a waiter slot; it is given back when the wait ends.
     */
    CompletableFuture<LockLease> await(String name, LockRequest request, String leaseId) {
        Waiter w = new Waiter(name, request, leaseId);
        w.result.whenComplete((v, e) -> {
            if (w.result.isCancelled()) {
                w.withdraw(null);
            }
        });
        w.deadline = waiters.schedule(w::timeout, request.waitMs());
        w.join();
        return w.result;
    }

    /** Something changed for a lock: its first local waiter looks. */
    void wake(String name) {
        wakes.incrementAndGet();
        ConcurrentSkipListMap<Long, Waiter> line = lines.get(name);
        if (line != null) {
            Map.Entry<Long, Waiter> head = line.firstEntry();
            if (head != null) {
                head.getValue().attempt();
            }
        }
    }

    /** After the LISTEN connection reconnected: notifications may have been lost. */
    void wakeAll() {
        for (String name : lines.keySet()) {
            wake(name);
        }
    }

    /** Waiters in this server's lines (tests). */
    int size() {
        int n = 0;
        for (ConcurrentSkipListMap<Long, Waiter> l : lines.values()) {
            n += l.size();
        }
        return n;
    }

    private void recheck() {
        if (closed || lines.isEmpty()) {
            return;
        }
        try {
            heartbeat();
        } catch (RuntimeException e) {
            // a full pool refuses the call; the next re-check tries again
        }
        wakeAll();
    }

    private void heartbeat() {
        List<Long> ids = new ArrayList<>();
        for (ConcurrentSkipListMap<Long, Waiter> l : lines.values()) {
            ids.addAll(l.keySet());
        }
        long[] a = new long[ids.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = ids.get(i);
        }
        db.call(c -> {
            LockOps.heartbeat(c, a);
            return null;
        });
    }

    private void add(String name, long id, Waiter w) {
        lines.compute(name, (k, m) -> {
            ConcurrentSkipListMap<Long, Waiter> line = m == null ? new ConcurrentSkipListMap<>() : m;
            line.put(id, w);
            return line;
        });
    }

    private void remove(String name, long id) {
        lines.computeIfPresent(name, (k, m) -> {
            m.remove(id);
            return m.isEmpty() ? null : m;
        });
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    static SpoolException held(String name, LockOps.Attempt a) {
        if (a.holder() == null) {
            return new SpoolException(ErrorCode.LOCK_HELD, "lock " + name + " is being handed to the next in line");
        }
        return new SpoolException(ErrorCode.LOCK_HELD, "lock " + name + " is held by " + a.holder() + " until "
                + a.holderExpires());
    }

    /** One acquire waiting in line. */
    private final class Waiter {
        final String name;
        final LockRequest request;
        final String leaseId;
        final long deadlineNanos;
        final CompletableFuture<LockLease> result = new CompletableFuture<>();
        final AtomicBoolean running = new AtomicBoolean();
        final AtomicBoolean again = new AtomicBoolean();
        final AtomicBoolean ended = new AtomicBoolean();
        final AtomicBoolean left = new AtomicBoolean();
        volatile long id;
        volatile ScheduledFuture<?> deadline;
        volatile ScheduledFuture<?> expiry;

        Waiter(String name, LockRequest request, String leaseId) {
            this.name = name;
            this.request = request;
            this.leaseId = leaseId;
            this.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(request.waitMs());
        }

        long leftMs() {
            return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        }

        /** Joins the line (or is granted at once when the lock is free and nobody is before). */
        void join() {
            long wait = leftMs();
            if (wait <= 0) {
                timeout();
                return;
            }
            long seen = wakes.get();
            db.call(c -> LockOps.acquire(c, name, request.owner(), request.ttlMs(), leaseId, wait, server))
                    .whenComplete((a, e) -> {
                        if (e != null) {
                            end(unwrap(e));
                        } else if (a.status() == LockOps.GRANTED) {
                            granted(a);
                        } else if (a.status() != LockOps.WAITING) {
                            end(held(name, a));
                        } else {
                            id = a.waiter();
                            add(name, id, this);
                            if (result.isDone()) {
                                withdraw(null);
                                return;
                            }
                            expiry(a);
                            if (wakes.get() != seen) {
                                wake(name);
                            }
                        }
                    });
        }

        /** Asks the database whether this waiter, first of this server's line, may take the lock. */
        void attempt() {
            if (result.isDone() || id == 0) {
                return;
            }
            again.set(true);
            if (!running.compareAndSet(false, true)) {
                return;
            }
            again.set(false);
            long mine = id;
            db.call(c -> LockOps.take(c, name, mine)).whenComplete((a, e) -> {
                // handled before the next attempt may start: a grant or a withdrawal ends the waiter first
                if (e != null) {
                    withdraw(unwrap(e));
                } else if (a.status() == LockOps.GRANTED) {
                    granted(a);
                } else if (a.status() == LockOps.GONE) {
                    // dropped as dead (this server missed its heartbeats): join the line again
                    remove(name, mine);
                    if (!result.isDone() && !left.get()) {
                        id = 0;
                        join();
                    }
                } else {
                    expiry(a);
                }
                running.set(false);
                if (again.getAndSet(false)) {
                    attempt();
                }
            });
        }

        private void expiry(LockOps.Attempt a) {
            long ms = a.holderLeftMs();
            if (ms >= 0 && !closed) {
                ScheduledFuture<?> old = expiry;
                if (old != null) {
                    old.cancel(false);
                }
                expiry = waiters.schedule(() -> wake(name), ms + 1);
            }
        }

        private void granted(LockOps.Attempt a) {
            LockLease lease = new LockLease(name, leaseId, a.token(), request.owner(), a.expiresAt());
            if (id != 0) {
                remove(name, id);
            }
            left.set(true);
            finish();
            if (!result.complete(lease)) {
                // cancelled or timed out while the grant was on its way: give the lock back
                db.call(c -> {
                    LockOps.release(c, name, lease.fence());
                    return null;
                }).whenComplete((v, e) -> wake(name));
            }
        }

        void timeout() {
            withdraw(new SpoolException(ErrorCode.LOCK_HELD, "lock " + name + " was not granted within "
                    + request.waitMs() + " ms"));
        }

        /** Leaves the line, then fails the caller with {@code cause} (null: the caller cancelled). */
        void withdraw(Throwable cause) {
            long mine = id;
            if (mine == 0) {
                // not in line yet: join's answer finds the result done and withdraws then
                end(cause);
                return;
            }
            if (!left.compareAndSet(false, true)) {
                return;
            }
            remove(name, mine);
            finish();
            db.call(c -> LockOps.leave(c, name, mine)).whenComplete((v, e) -> {
                if (cause != null) {
                    result.completeExceptionally(cause);
                }
                wake(name);
            });
        }

        private void end(Throwable cause) {
            finish();
            if (cause != null) {
                result.completeExceptionally(cause);
            }
        }

        /** Gives back the waiter slot and stops the timers, once. */
        private void finish() {
            if (ended.compareAndSet(false, true)) {
                waiters.unreserve();
                ScheduledFuture<?> d = deadline;
                if (d != null) {
                    d.cancel(false);
                }
                ScheduledFuture<?> x = expiry;
                if (x != null) {
                    x.cancel(false);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        safety.cancel(false);
        SpoolException gone = new SpoolException(ErrorCode.UNAVAILABLE, "the broker is closed");
        for (ConcurrentSkipListMap<Long, Waiter> l : lines.values()) {
            for (Waiter w : l.values()) {
                w.finish();
                w.result.completeExceptionally(gone);
            }
        }
        lines.clear();
        try {
            db.call(c -> {
                LockOps.leaveAll(c, server);
                return null;
            }).get(1, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the rows are skipped once their seen_at is 10 s old
        }
    }
}
