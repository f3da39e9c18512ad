package dev.spool.embedded;

/**
 * The state of one message in one group: the default group's entry is the {@link Msg} itself,
 * a named group's is a {@link GroupEntry}. Intrusive: the timer wheel and the key queues link
 * entries through fields here, so no node objects are allocated per message.
 */
abstract sealed class Entry permits Msg, GroupEntry {
    static final byte READY = 0;
    /** Waiting for {@link #deadline}: a delay or a nack's backoff. */
    static final byte DELAYED = 1;
    /** Waiting behind an older message of its key. */
    static final byte BLOCKED = 2;
    static final byte IN_FLIGHT = 3;
    static final byte ACKED = 4;
    static final byte DEAD = 5;
    static final byte EXPIRED = 6;
    /** Removed from its group (purge, redrive, group deleted); nothing references it any more. */
    static final byte REMOVED = 7;

    byte state;
    int attempts;
    /** Insertion stamp for lazily invalidated ready structures (see {@link EntryQueue}). */
    int stamp;
    /** Time of the next event: end of delay, end of lease, or expiry. */
    long deadline;
    /**
     * When the first delivery was, as time after the push plus one: ms when that fits an int, else
     * minus whole seconds; 0 before the first delivery and for entries restored from a snapshot.
     * An int, not an epoch long, because it fits the padding of {@link Msg} and {@link GroupEntry}
     * (a long would add 8 bytes to every queued message).
     */
    int firstDelivered;
    Entry timerPrev;
    Entry timerNext;
    /** Timer wheel slot holding this entry, or -1. */
    int timerSlot = -1;
    /** Next message of the same key in this group. */
    Entry keyNext;
    /** Rarely set details: last error, result, when a terminal state was reached. */
    EntryExtra extra;

    abstract Msg msg();

    abstract GroupState group();

    final long id() {
        return msg().id;
    }

    final boolean isTerminal() {
        return state == ACKED || state == DEAD || state == EXPIRED || state == REMOVED;
    }

    final EntryExtra extra() {
        if (extra == null) {
            extra = new EntryExtra();
        }
        return extra;
    }

    /** Records the first delivery at {@code now}. */
    final void firstDeliveredAt(long now) {
        long after = Math.max(0, now - msg().enqueuedAt()) + 1;
        firstDelivered = after < Integer.MAX_VALUE ? (int) after : (int) -Math.min(Integer.MAX_VALUE, after / 1000);
    }

    /** Epoch ms of the first delivery (to the second past 24 days after the push), or 0 if unknown. */
    final long firstDeliveredAt() {
        int f = firstDelivered;
        if (f == 0) {
            return 0;
        }
        return msg().enqueuedAt() + (f > 0 ? f - 1 : -1000L * f);
    }

    final String lastError() {
        return extra == null ? null : extra.lastError;
    }
}
