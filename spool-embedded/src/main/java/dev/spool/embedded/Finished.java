package dev.spool.embedded;

import java.util.Optional;

import dev.spool.api.MessageState;
import dev.spool.api.MessageView;

/**
 * The last states of recently finished messages, so that a task view of a message acked without
 * a result, expired or dead-lettered, and already forgotten (no {@code retention_ms}, no result
 * kept), answers {@code acked}, {@code expired} or {@code dead} instead of the not-found of an id
 * that never existed.
 *
 * <p>A fixed table of {@value #CAPACITY} slots indexed by a hash of the id, written by the engine
 * thread only: bounded memory (about 1.5 MiB), no allocation per message, no journal record. A
 * newer message overwrites an older one in its slot, and nothing survives a restart, so a message
 * finished long ago (or before a restart) is not found, as before. The view has the state and
 * attempts; the payload and any result are gone.
 */
final class Finished {
    static final int CAPACITY = 1 << 16;
    private static final int MASK = CAPACITY - 1;

    private final long[] ids = new long[CAPACITY];
    private final GroupState[] groups = new GroupState[CAPACITY];
    private final byte[] states = new byte[CAPACITY];
    private final int[] attempts = new int[CAPACITY];

    /** Remembers an entry that just became terminal (acked, dead or expired; removals are not kept). */
    void record(Entry e) {
        byte s = e.state;
        if (s != Entry.ACKED && s != Entry.DEAD && s != Entry.EXPIRED) {
            return;
        }
        long id = e.id();
        int i = slot(id);
        ids[i] = id;
        groups[i] = e.group();
        states[i] = s;
        attempts[i] = e.attempts;
    }

    /** The last view of message {@code id} in group {@code g}, if it finished recently. */
    Optional<MessageView> view(GroupState g, long id) {
        int i = slot(id);
        if (ids[i] != id || groups[i] != g) {
            return Optional.empty();
        }
        MessageState state = switch (states[i]) {
            case Entry.ACKED -> MessageState.ACKED;
            case Entry.DEAD -> MessageState.DEAD;
            default -> MessageState.EXPIRED;
        };
        return Optional.of(new MessageView(id, g.queue.name, g.name, state, attempts[i], Ids.timeOf(id), 0,
                Optional.empty(), Optional.empty(), Optional.empty()));
    }

    private static int slot(long id) {
        long h = id * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & MASK;
    }
}
