package dev.spool.server.trace;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The trace context of recently delivered messages by id, so that the span of an ack, nack or
 * extend (whose request carries receipts, not the message) can be a child of the message's trace.
 *
 * <p>A fixed table indexed by a hash of the id: bounded memory, no locks, no clean-up; a newer
 * delivery overwrites an older one in the same slot, and then the settle span has the request's
 * traceparent (or none) as parent instead.
 */
final class RecentTraces {
    /** A message id with the traceparent and tracestate it was pushed with. */
    record Entry(long id, String traceparent, String tracestate) {
    }

    private final AtomicReferenceArray<Entry> slots;
    private final int mask;

    RecentTraces(int capacityPowerOfTwo) {
        if (Integer.bitCount(capacityPowerOfTwo) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two");
        }
        slots = new AtomicReferenceArray<>(capacityPowerOfTwo);
        mask = capacityPowerOfTwo - 1;
    }

    void put(long id, String traceparent, String tracestate) {
        slots.set(slot(id), new Entry(id, traceparent, tracestate));
    }

    /** The entry of {@code id}, or null when it was never put or was overwritten. */
    Entry get(long id) {
        Entry e = slots.get(slot(id));
        return e != null && e.id() == id ? e : null;
    }

    private int slot(long id) {
        long h = id * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
