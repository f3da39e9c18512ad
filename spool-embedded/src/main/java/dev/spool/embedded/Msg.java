package dev.spool.embedded;

import dev.spool.api.MessageBody;

/**
 * A message held by a queue, and at the same time its entry in the queue's default group.
 *
 * <p>About 104 bytes on the heap: the body is held only until the journal has it and the payload
 * cache lets it go; it is read back from {@link #location} when needed.
 */
final class Msg extends Entry {
    final long id;
    final QueueState queue;
    final byte priority;
    /** The ordering key, or null. */
    final String key;
    /** Epoch ms at which the message expires unless consumed. */
    final long expiresAt;
    /** Journal position of the message's record ({@link JournalPos}), or -1 in memory mode. */
    long location = -1;
    /** Bytes of its journal record, for per-segment live accounting. */
    int storedBytes;
    /** The body, or null when evicted from the payload cache. */
    MessageBody body;
    /** Groups (the default included) that have not finished the message. */
    int pendingGroups;
    /** Fields most messages never set, kept out of line to keep the per-message index small. */
    private Rare rare;
    /** Next and previous message in the payload cache's eviction order ({@link PayloadCache}). */
    Msg cacheNext;
    Msg cachePrev;

    Msg(long id, QueueState queue, byte priority, String key, long expiresAt) {
        this.id = id;
        this.queue = queue;
        this.priority = priority;
        this.key = key;
        this.expiresAt = expiresAt;
    }

    @Override
    Msg msg() {
        return this;
    }

    @Override
    GroupState group() {
        return queue.defaultGroup;
    }

    long enqueuedAt() {
        return Ids.timeOf(id);
    }

    /** Epoch ms at which every group had finished it, or 0. */
    long doneAt() {
        return rare == null ? 0 : rare.doneAt;
    }

    void doneAt(long v) {
        if (v != 0 || rare != null) {
            rare().doneAt = v;
        }
    }

    /** Epoch ms until which a result or a dead reason of some group must be kept, or 0. */
    long keepUntil() {
        return rare == null ? 0 : rare.keepUntil;
    }

    void keepUntil(long v) {
        if (v != 0 || rare != null) {
            rare().keepUntil = v;
        }
    }

    /** Where a dead letter came from, for DLQ messages; null otherwise. */
    DeadSource source() {
        return rare == null ? null : rare.source;
    }

    void source(DeadSource v) {
        if (v != null || rare != null) {
            rare().source = v;
        }
    }

    private Rare rare() {
        if (rare == null) {
            rare = new Rare();
        }
        return rare;
    }

    /** The rarely set fields of a message. */
    private static final class Rare {
        long doneAt;
        long keepUntil;
        DeadSource source;
    }
}
