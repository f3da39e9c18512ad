package dev.spool.embedded;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.Payload;

/**
 * The last durable state document of each lock, published for public reads that need not go
 * through the engine thread. The engine publishes a write or a delete through {@link Wal#reply}, so
 * an entry changes only once the change is durable and before the writer's reply completes: a read
 * never sees a write that a crash could still undo, and a read that starts after a write was
 * acknowledged sees it (or something newer).
 *
 * <p>An entry only ever moves to a higher version, so a late publication (a read reply warming the
 * map while a write completes on another thread) cannot bring an old document back. A document is
 * kept in memory only when it is small ({@link #MAX_INLINE_BYTES}) and the map's byte budget
 * allows; otherwise the entry records the version without bytes and the read asks the engine,
 * which streams the document from the journal. A delete leaves a tombstone carrying its version.
 */
final class PublishedStates {
    /** Largest document kept in memory for reads. */
    static final int MAX_INLINE_BYTES = 64 * 1024;
    /** Default bound on the bytes of all documents kept. */
    static final long DEFAULT_BUDGET_BYTES = 64L * 1024 * 1024;

    /** One published document; {@code bytes == null} means "ask the engine", unless deleted. */
    record Snapshot(long version, boolean deleted, LockStateInfo info, byte[] bytes) {
        long charge() {
            return bytes == null ? 0 : bytes.length;
        }
    }

    private final ConcurrentHashMap<String, Snapshot> byName = new ConcurrentHashMap<>();
    private final AtomicLong charged = new AtomicLong();
    private final long budget;

    PublishedStates(long budget) {
        this.budget = budget;
    }

    /**
     * What a public read can answer without the engine: a state, an empty optional when the
     * document was deleted, or null when the engine must be asked.
     */
    Optional<LockState> read(String name) {
        Snapshot s = byName.get(name);
        if (s == null) {
            return null;
        }
        if (s.deleted) {
            return Optional.empty();
        }
        return s.bytes == null ? null : Optional.of(new LockState(s.info, Payload.of(s.bytes)));
    }

    /** Publishes a durable document; {@code payload} is kept only when small and on the heap. */
    void written(String name, LockStateInfo info, Payload payload) {
        byte[] bytes = null;
        if (payload instanceof Payload.Inline in && in.bytes().length <= MAX_INLINE_BYTES
                && charged.get() + in.bytes().length <= budget) {
            bytes = in.bytes();
        }
        put(name, new Snapshot(info.version(), false, info, bytes));
    }

    /** Publishes a durable delete of the document at {@code version}. */
    void deleted(String name, long version) {
        put(name, new Snapshot(version, true, null, null));
    }

    private void put(String name, Snapshot next) {
        byName.compute(name, (k, old) -> {
            if (old != null && old.version > next.version) {
                return old;
            }
            if (old != null && old.version == next.version && (old.deleted || !next.deleted)) {
                return old;
            }
            charged.addAndGet(next.charge() - (old == null ? 0 : old.charge()));
            return next;
        });
    }

    /** Bytes of documents held (for tests). */
    long chargedBytes() {
        return charged.get();
    }
}
