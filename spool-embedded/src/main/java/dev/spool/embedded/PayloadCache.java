package dev.spool.embedded;

import dev.spool.api.MessageBody;
import dev.spool.api.Payload;

/**
 * The journal's bounded payload cache: messages whose inline payload is still on the heap, in the
 * order they were added, doubly linked through {@link Msg#cachePrev} and {@link Msg#cacheNext} (no
 * nodes allocated). Past the budget the oldest payloads are dropped, but only once their journal
 * position is durable, so a pop never has to read a record that is not in the file yet. A deleted
 * message leaves the list at once, so the list never holds more than the messages whose payload
 * it keeps (an old cached message cannot pin every message deleted after it). Engine thread only.
 */
final class PayloadCache {
    private final long budget;
    private Msg head;
    private Msg tail;
    private long bytes;
    private int size;

    PayloadCache(long budget) {
        this.budget = budget;
    }

    /** Adds a message whose {@code body} holds an inline payload. */
    void add(Msg m) {
        if (contains(m)) {
            unlink(m);
        } else {
            bytes += m.body.payload().size();
        }
        m.cachePrev = tail;
        m.cacheNext = null;
        if (tail == null) {
            head = m;
        } else {
            tail.cacheNext = m;
        }
        tail = m;
        size++;
    }

    /** The message was deleted: its payload leaves the cache now. */
    void deleted(Msg m) {
        if (contains(m)) {
            MessageBody b = m.body;
            if (b != null && b.payload() instanceof Payload.Inline) {
                bytes -= b.payload().size();
            }
            unlink(m);
        }
        m.body = null;
    }

    /** Drops the oldest payloads while over budget, stopping at the first not yet durable. */
    void trim(long durablePos) {
        Msg h;
        while (bytes > budget && (h = head) != null && h.location < durablePos) {
            MessageBody b = h.body;
            if (b != null && b.payload() instanceof Payload.Inline) {
                bytes -= b.payload().size();
            }
            h.body = null;
            unlink(h);
        }
    }

    private boolean contains(Msg m) {
        return m.cachePrev != null || head == m;
    }

    private void unlink(Msg m) {
        Msg p = m.cachePrev;
        Msg n = m.cacheNext;
        if (p == null) {
            head = n;
        } else {
            p.cacheNext = n;
        }
        if (n == null) {
            tail = p;
        } else {
            n.cachePrev = p;
        }
        m.cachePrev = null;
        m.cacheNext = null;
        size--;
    }

    /** Payload bytes held. */
    long bytes() {
        return bytes;
    }

    /** Messages linked in the cache's list. */
    int size() {
        return size;
    }
}
