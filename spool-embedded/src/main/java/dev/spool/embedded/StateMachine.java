package dev.spool.embedded;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.spool.api.MessageBody;
import dev.spool.api.QueueConfig;
import dev.spool.api.StartPosition;
import dev.spool.api.TaskResult;

/**
 * The deterministic core of the engine: every change to queues, groups and messages goes through
 * the methods here, both when a command is applied live and when the journal is replayed. Nothing
 * here reads the clock or draws random numbers: times come in as arguments, so the same calls give
 * the same state. Owned by the engine thread; not thread-safe.
 *
 * <p>Time-driven changes (a delay ending, a lease or TTL expiring, a retained message being
 * released) are timer events, not journal records: replay reproduces them by advancing the timer
 * wheel to each record's time before applying it. The one timer outcome that needs a decision
 * with side effects — a lease expiring on a message's last attempt, which dead-letters it — is
 * handed to the {@link Listener}; live it becomes a journal record, in replay it waits for that
 * record.
 */
final class StateMachine {

    /** Engine-side reactions to changes. */
    interface Listener {
        /** {@code g} got a ready entry: serve its waiting pops. */
        void readyAdded(GroupState g);

        /** {@code e} reached a terminal state: answer task views waiting on it. */
        void terminal(Entry e);

        /** A lease ended on the last attempt: the message must die. */
        void leaseExpiredOnLastAttempt(Entry e, long now);

        /** A message left the queue for good. */
        void deleted(Msg m);

        /** A lock holder's lease ended: the lock is free (live: hand it to the first waiter). */
        default void lockExpired(LockEntry l, long now) {
        }
    }

    final Map<String, QueueState> queues = new HashMap<>();
    final Map<Integer, QueueState> byId = new HashMap<>();
    final TimerWheel timers;
    final Ids ids = new Ids();
    /** Every queue's dedup ids, under one global bound. */
    final DedupIds dedup = new DedupIds();
    /** The task results held, under one global bound. */
    final ResultStore results = new ResultStore();
    /** Access tokens by id (hashes only; see {@link dev.spool.api.AccessToken}). */
    final Map<String, dev.spool.api.AccessToken> tokens = new java.util.TreeMap<>();
    /** Every lock ever acquired or written, with its last token. */
    final LockTable locks = new LockTable();
    int lastQid;
    Listener listener;
    /** Seals and opens task results in records and snapshots (encryption at rest). */
    AtRestCodec atRest = AtRestCodec.NONE;
    private final TimerWheel.Handler onTimer = this::onTimer;
    private final LockTable.Expiry onLockExpiry = (l, now) -> listener.lockExpired(l, now);

    StateMachine(long now) {
        this.timers = new TimerWheel(now);
    }

    // ---- queues and groups ----

    void putToken(dev.spool.api.AccessToken t) {
        tokens.put(t.id(), t);
    }

    QueueState createQueue(int qid, String name, QueueConfig config, long createdAt) {
        QueueState q = new QueueState(qid, name, config, createdAt, dedup);
        queues.put(name, q);
        byId.put(qid, q);
        lastQid = Math.max(lastQid, qid);
        return q;
    }

    void deleteQueue(QueueState q, long now) {
        purge(q, now);
        q.deleted = true;
        q.defaultGroup.deleted = true;
        for (GroupState g : q.groups.values()) {
            g.deleted = true;
        }
        queues.remove(q.name);
        byId.remove(q.qid);
    }

    /** Drops every message of a queue; returns how many. */
    long purge(QueueState q, long now) {
        List<Msg> all = new ArrayList<>(q.msgs.size());
        q.msgs.forEachValue(all::add);
        long n = 0;
        for (Msg m : all) {
            if (m.pendingGroups > 0) {
                n++;
            }
            removeMessage(m, now);
        }
        q.defaultGroup.clearStructures();
        for (GroupState g : q.groups.values()) {
            g.clearStructures();
        }
        return n;
    }

    GroupState createGroup(QueueState q, int gid, String name, StartPosition start, long createdAt) {
        GroupState g = new GroupState(q, gid, name, start, createdAt);
        q.groups.put(name, g);
        q.lastGid = Math.max(q.lastGid, gid);
        long from = switch (start) {
            case StartPosition.Earliest e -> Long.MIN_VALUE;
            case StartPosition.Latest l -> Long.MAX_VALUE;
            case StartPosition.At at -> at.epochMs();
        };
        if (from == Long.MAX_VALUE) {
            return g;
        }
        List<Msg> held = new ArrayList<>();
        q.msgs.forEachValue(m -> {
            boolean alive = m.expiresAt > createdAt && (m.pendingGroups > 0 || releaseAt(m) > createdAt);
            if (alive && m.enqueuedAt() >= from && m.state != Entry.REMOVED) {
                held.add(m);
            }
        });
        held.sort((a, b) -> Long.compare(a.id, b.id));
        for (Msg m : held) {
            if (m.pendingGroups == 0) {
                timers.cancel(m);
                m.doneAt(0);
            }
            GroupEntry e = new GroupEntry(m, g);
            g.entries.put(m.id, e);
            m.pendingGroups++;
            boolean waiting = m.state == Entry.DELAYED || m.state == Entry.BLOCKED;
            enqueue(e, waiting ? Math.max(m.deadline, createdAt) : createdAt, createdAt, true);
        }
        return g;
    }

    void deleteGroup(GroupState g, long now) {
        List<GroupEntry> all = new ArrayList<>(g.entries.size());
        g.entries.forEachValue(all::add);
        g.deleted = true;
        g.queue.groups.remove(g.name);
        for (GroupEntry e : all) {
            if (!e.isTerminal()) {
                leaveState(e);
                e.state = Entry.REMOVED;
                listener.terminal(e);
                msgFinishedIn(e.msg(), now);
            }
        }
        g.clearStructures();
    }

    // ---- messages ----

    /**
     * Adds a pushed message to its queue and files it in every group ({@code targetGid < 0}) or in
     * one group only (a redriven dead letter). {@code body} is null in replay: it stays in the
     * journal until read.
     */
    Msg addMessage(QueueState q, long id, byte priority, String key, MessageBody body, long readyAt, long expiresAt,
            int targetGid, DeadSource source, long now) {
        ids.resumeAfter(id);
        Msg m = new Msg(id, q, priority, key, expiresAt);
        m.body = body;
        m.source(source);
        q.msgs.put(id, m);
        if (targetGid <= 0) {
            m.pendingGroups = 1;
            enqueue(m, readyAt, now, true);
        } else {
            m.state = Entry.REMOVED;
        }
        for (GroupState g : q.groups.isEmpty() ? List.<GroupState>of() : q.groups.values()) {
            if (targetGid < 0 || targetGid == g.gid) {
                GroupEntry e = new GroupEntry(m, g);
                g.entries.put(id, e);
                m.pendingGroups++;
                enqueue(e, readyAt, now, true);
            }
        }
        if (m.pendingGroups == 0) {
            msgFinishedIn(m, now);
        }
        return m;
    }

    /** Files a new entry: behind its key, delayed, or ready. */
    private void enqueue(Entry e, long readyAt, long now, boolean inOrder) {
        Msg m = e.msg();
        GroupState g = e.group();
        if (m.key != null) {
            KeyQueue kq = g.keys.get(m.key);
            if (kq != null) {
                kq.append(e);
                e.state = Entry.BLOCKED;
                e.deadline = readyAt;
                g.delayedCount++;
                return;
            }
            g.keys.put(m.key, new KeyQueue(e));
        }
        becomeEligible(e, readyAt, now, inOrder);
    }

    private void becomeEligible(Entry e, long readyAt, long now, boolean inOrder) {
        Msg m = e.msg();
        GroupState g = e.group();
        if (readyAt > now) {
            e.state = Entry.DELAYED;
            g.delayedCount++;
            timers.schedule(e, Math.min(readyAt, m.expiresAt));
        } else {
            e.state = Entry.READY;
            g.readyCount++;
            g.fileReady(e, inOrder);
            timers.schedule(e, m.expiresAt);
            listener.readyAdded(g);
        }
    }

    /** Leases an entry until {@code leaseUntil}, counting an attempt. */
    void deliver(Entry e, long leaseUntil, long now) {
        ensureKeyHead(e, now);
        leaveState(e);
        e.state = Entry.IN_FLIGHT;
        if (e.attempts == 0) {
            e.firstDeliveredAt(now);
        }
        e.attempts++;
        e.group().inFlightCount++;
        timers.schedule(e, leaseUntil);
    }

    void extend(Entry e, long leaseUntil) {
        timers.schedule(e, leaseUntil);
    }

    void ack(Entry e, TaskResult result, long now) {
        if (result != null) {
            EntryExtra x = e.extra();
            x.result = result;
            x.keepUntil = now + e.msg().queue.config.resultTtlMs();
            keepUntil(e.msg(), x.keepUntil);
            results.stored(e, result, x.keepUntil, now);
        }
        finish(e, Entry.ACKED, now);
    }

    /** Returns a leased entry: ready at {@code readyAt} (maybe now). */
    void requeue(Entry e, long readyAt, String reason, long now) {
        ensureKeyHead(e, now);
        if (reason != null) {
            e.extra().lastError = reason;
        }
        leaveState(e);
        if (now >= e.msg().expiresAt) {
            markTerminal(e, Entry.EXPIRED, now);
            releaseKey(e, now);
            return;
        }
        becomeEligible(e, readyAt, now, false);
    }

    /** A ready entry whose TTL passed before its timer fired. */
    void expire(Entry e, long now) {
        finish(e, Entry.EXPIRED, now);
    }

    /** Marks an entry dead with its reason (the dead-letter copy is pushed by the caller). */
    void kill(Entry e, String reason, long now) {
        EntryExtra x = e.extra();
        x.lastError = reason;
        x.keepUntil = now + e.msg().queue.config.resultTtlMs();
        keepUntil(e.msg(), x.keepUntil);
        finish(e, Entry.DEAD, now);
        e.group().deadCount++;
    }

    /** Removes a message from every group of its queue and forgets it (purge, redrive). */
    void removeMessage(Msg m, long now) {
        QueueState q = m.queue;
        if (!m.isTerminal()) {
            finish(m, Entry.REMOVED, now);
        }
        for (GroupState g : q.groups.values()) {
            GroupEntry e = g.entries.get(m.id);
            if (e != null && !e.isTerminal()) {
                finish(e, Entry.REMOVED, now);
            }
        }
        if (q.msgs.get(m.id) == m) {
            deleteMessage(m);
        }
    }

    private void finish(Entry e, byte terminal, long now) {
        leaveState(e);
        markTerminal(e, terminal, now);
        releaseKey(e, now);
    }

    /** Sets a terminal state on an entry already out of its counts. */
    private void markTerminal(Entry e, byte terminal, long now) {
        e.state = terminal;
        Msg m = e.msg();
        if (e == m && m.source() != null) {
            GroupState src = sourceGroup(m.source());
            if (src != null && src.deadCount > 0) {
                src.deadCount--;
            }
        }
        listener.terminal(e);
        msgFinishedIn(m, now);
    }

    private GroupState sourceGroup(DeadSource s) {
        QueueState q = queues.get(s.queue());
        return q == null ? null : q.group(s.group());
    }

    private void msgFinishedIn(Msg m, long now) {
        if (m.pendingGroups > 0) {
            m.pendingGroups--;
        }
        if (m.pendingGroups > 0) {
            return;
        }
        long at = Math.max(now + m.queue.config.retentionMs(), m.keepUntil());
        if (at <= now) {
            if (m.queue.msgs.get(m.id) == m) {
                deleteMessage(m);
            }
        } else {
            m.doneAt(now);
            timers.schedule(m, at);
        }
    }

    private static long releaseAt(Msg m) {
        return Math.max(m.doneAt() + m.queue.config.retentionMs(), m.keepUntil());
    }

    private void keepUntil(Msg m, long until) {
        m.keepUntil(Math.max(m.keepUntil(), until));
    }

    private void deleteMessage(Msg m) {
        QueueState q = m.queue;
        timers.cancel(m);
        q.msgs.remove(m.id);
        if (!q.groups.isEmpty()) {
            for (GroupState g : q.groups.values()) {
                GroupEntry e = g.entries.remove(m.id);
                if (e != null) {
                    timers.cancel(e);
                }
            }
        }
        listener.deleted(m);
    }

    /** Takes an entry out of the counts of its current state and off the timer wheel. */
    private void leaveState(Entry e) {
        GroupState g = e.group();
        switch (e.state) {
            case Entry.READY -> g.readyCount--;
            case Entry.DELAYED, Entry.BLOCKED -> g.delayedCount--;
            case Entry.IN_FLIGHT -> g.inFlightCount--;
            default -> {
            }
        }
        timers.cancel(e);
    }

    /**
     * Makes {@code e} the head of its key: entries ahead of it must have expired meanwhile (only
     * possible in replay, where a TTL expiry of a blocked message is not a record).
     */
    private void ensureKeyHead(Entry e, long now) {
        Msg m = e.msg();
        if (m.key == null || e.isTerminal()) {
            return;
        }
        KeyQueue kq = e.group().keys.get(m.key);
        while (kq != null && kq.head != e && kq.head != null && e.state == Entry.BLOCKED) {
            Entry h = kq.head;
            leaveState(h);
            markTerminal(h, Entry.EXPIRED, now);
            kq.head = h.keyNext;
            h.keyNext = null;
        }
        if (kq != null && kq.head == e && e.state == Entry.BLOCKED) {
            e.group().delayedCount--;
            e.state = Entry.DELAYED;
            e.group().delayedCount++;
        }
    }

    /** After {@code e} finished, unlinks it from its key and makes the next message eligible. */
    private void releaseKey(Entry e, long now) {
        Msg m = e.msg();
        if (m.key == null) {
            return;
        }
        GroupState g = e.group();
        KeyQueue kq = g.keys.get(m.key);
        if (kq == null) {
            return;
        }
        if (kq.head != e) {
            kq.unlinkFromMiddle(e);
            return;
        }
        Entry h = e.keyNext;
        e.keyNext = null;
        while (h != null && h.msg().expiresAt <= now) {
            leaveState(h);
            markTerminal(h, Entry.EXPIRED, now);
            Entry next = h.keyNext;
            h.keyNext = null;
            h = next;
        }
        kq.head = h;
        if (h == null) {
            g.keys.remove(m.key);
            return;
        }
        g.delayedCount--;
        becomeEligible(h, h.deadline, now, false);
    }

    // ---- time ----

    /** Fires every timer due at or before {@code now}. */
    void advance(long now) {
        timers.advance(now, onTimer);
        locks.advance(now, onLockExpiry);
    }

    private void onTimer(Entry e, long now) {
        Msg m = e.msg();
        switch (e.state) {
            case Entry.DELAYED -> {
                e.group().delayedCount--;
                if (now >= m.expiresAt) {
                    markTerminal(e, Entry.EXPIRED, now);
                    releaseKey(e, now);
                } else {
                    becomeEligible(e, now, now, false);
                }
            }
            case Entry.READY -> {
                if (now >= m.expiresAt) {
                    e.group().readyCount--;
                    markTerminal(e, Entry.EXPIRED, now);
                    releaseKey(e, now);
                } else {
                    timers.schedule(e, m.expiresAt);
                }
            }
            case Entry.IN_FLIGHT -> leaseExpired(e, now);
            default -> released(e, now);
        }
    }

    private void leaseExpired(Entry e, long now) {
        int max = e.msg().queue.config.maxAttempts();
        if (max > 0 && e.attempts >= max) {
            listener.leaseExpiredOnLastAttempt(e, now);
            return;
        }
        requeue(e, now, "lease expired", now);
    }

    /** The release timer of a finished message: forget it once retention and kept results ended. */
    private void released(Entry e, long now) {
        if (!(e instanceof Msg m) || m.pendingGroups > 0 || m.queue.msgs.get(m.id) != m) {
            return;
        }
        long at = releaseAt(m);
        if (at <= now) {
            deleteMessage(m);
        } else {
            timers.schedule(m, at);
        }
    }
}
