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
    /** Epoch ms of the first delivery; 0 before it, and for entries restored from a snapshot. */
    long firstDeliveredAt;
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

    final String lastError() {
        return extra == null ? null : extra.lastError;
    }
}
