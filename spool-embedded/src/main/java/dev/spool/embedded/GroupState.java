package dev.spool.embedded;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

import dev.spool.api.StartPosition;

/**
 * One group of a queue: its ready entries by priority, its key queues, counts and waiting pops.
 * The default group's entries are the queue's {@link Msg}s; a named group keeps its own map.
 */
final class GroupState {
    static final int PRIORITIES = 10;

    final QueueState queue;
    final int gid;
    final String name;
    final StartPosition start;
    final long createdAt;
    private final EntryQueue[] ready = new EntryQueue[PRIORITIES];
    /** Bit p set when priority p may have ready entries. */
    private int readyMask;
    final Map<String, KeyQueue> keys = new HashMap<>();
    /** Named groups only: entries by message id. */
    final LongObjectMap<GroupEntry> entries;
    final ArrayDeque<PopWaiter> waiters = new ArrayDeque<>();

    long readyCount;
    long delayedCount;
    long inFlightCount;
    /** Dead letters of this group still in the dead-letter queue. */
    long deadCount;
    boolean deleted;
    /** When a consumer last took messages ({@link System#nanoTime()}; 0 = never): see {@link PushFlow}. */
    long flowTookNanos;
    /** {@link PushFlow}'s take-rate window: its start (nanoTime; 0 = none yet) and messages taken in it. */
    long flowWindowStart;
    long flowWindowTaken;
    /** The smoothed rate at which consumers took messages, per second (0 = not measured yet). */
    double flowRate;
    /** The largest {@code max} of a pop that took messages, in the current rate window and the one before. */
    long flowPopMax;
    long flowPopMaxBefore;
    /** The push configuration of a push group (opaque to the engine), or null. */
    String push;

    GroupState(QueueState queue, int gid, String name, StartPosition start, long createdAt) {
        this.queue = queue;
        this.gid = gid;
        this.name = name;
        this.start = start;
        this.createdAt = createdAt;
        this.entries = gid == 0 ? null : new LongObjectMap<>(64);
    }

    boolean isDefault() {
        return gid == 0;
    }

    /** This group's entry of a message, or null. */
    Entry entry(long id) {
        return gid == 0 ? queue.msgs.get(id) : entries.get(id);
    }

    /** Files a ready entry; {@code inOrder} when its id is the newest ever filed here. */
    void fileReady(Entry e, boolean inOrder) {
        int p = e.msg().priority;
        EntryQueue q = ready[p];
        if (q == null) {
            q = new EntryQueue();
            ready[p] = q;
        }
        e.stamp++;
        if (inOrder) {
            q.append(e);
        } else {
            q.insert(e);
        }
        readyMask |= 1 << p;
    }

    /** Removes and returns the next ready entry: highest priority, then lowest id. */
    Entry pollReady() {
        while (readyMask != 0) {
            int p = 31 - Integer.numberOfLeadingZeros(readyMask);
            Entry e = ready[p].poll();
            if (e != null) {
                return e;
            }
            readyMask &= ~(1 << p);
        }
        return null;
    }

    /** The oldest ready entry over all priorities, or null. */
    Entry oldestReady() {
        Entry best = null;
        for (int p = 0; p < PRIORITIES; p++) {
            EntryQueue q = ready[p];
            Entry e = q == null ? null : q.peek();
            if (e != null && (best == null || e.id() < best.id())) {
                best = e;
            }
        }
        return best;
    }

    boolean hasReady() {
        while (readyMask != 0) {
            int p = 31 - Integer.numberOfLeadingZeros(readyMask);
            if (ready[p].peek() != null) {
                return true;
            }
            readyMask &= ~(1 << p);
        }
        return false;
    }

    /** Visits every ready entry (unordered). */
    void forEachReady(java.util.function.Consumer<Entry> action) {
        for (EntryQueue q : ready) {
            if (q != null) {
                q.forEach(action);
            }
        }
    }

    /** Forgets every entry: used by purge. */
    void clearStructures() {
        for (int p = 0; p < PRIORITIES; p++) {
            ready[p] = null;
        }
        readyMask = 0;
        keys.clear();
        if (entries != null) {
            entries.clear();
        }
        readyCount = 0;
        delayedCount = 0;
        inFlightCount = 0;
    }

    /** Drops stale slots left at the heads of ready structures. */
    void compact() {
        for (EntryQueue q : ready) {
            if (q != null) {
                q.compact();
            }
        }
    }

    /** Dequeues the first waiter that is still waiting, or null. */
    PopWaiter nextWaiter() {
        PopWaiter w;
        while ((w = waiters.peek()) != null && w.done) {
            waiters.poll();
        }
        return w;
    }
}
