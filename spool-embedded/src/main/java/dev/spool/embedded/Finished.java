package dev.spool.embedded;

import java.util.Optional;

/**
 * What became of recently finished messages, so that the not-found answer to a task view of a
 * message acked without a result, or expired, and already forgotten (no {@code retention_ms}) says
 * so, instead of reading like an id that never existed. The answer stays {@code message_not_found}
 * (nothing about the message is kept: no payload, no view), with the reason in its message.
 *
 * <p>A fixed table of {@value #CAPACITY} slots indexed by a hash of the id, written by the engine
 * thread only: bounded memory (about 1 MiB), no allocation per message, no journal record. A newer
 * message overwrites an older one in its slot, and nothing survives a restart, so a message
 * finished long ago (or before a restart) gets the plain not-found, as before.
 */
final class Finished {
    static final int CAPACITY = 1 << 16;
    private static final int MASK = CAPACITY - 1;

    private final long[] ids = new long[CAPACITY];
    private final GroupState[] groups = new GroupState[CAPACITY];
    private final byte[] states = new byte[CAPACITY];

    /**
     * Remembers an entry that just became terminal: acked without a result, or expired. Dead
     * letters and results keep their own view for {@code result_ttl_ms}; removals (purge, redrive,
     * a deleted group) are not kept.
     */
    void record(Entry e) {
        byte s = e.state;
        if (s != Entry.ACKED && s != Entry.EXPIRED || s == Entry.ACKED && e.extra != null && e.extra.result != null) {
            return;
        }
        long id = e.id();
        int i = slot(id);
        ids[i] = id;
        groups[i] = e.group();
        states[i] = s;
    }

    /** Why message {@code id} of group {@code g} is gone, if it finished recently. */
    Optional<String> reason(GroupState g, long id) {
        int i = slot(id);
        if (ids[i] != id || groups[i] != g) {
            return Optional.empty();
        }
        return Optional.of(states[i] == Entry.ACKED ? "was acked without a result" : "expired before it was consumed");
    }

    private static int slot(long id) {
        long h = id * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & MASK;
    }
}
