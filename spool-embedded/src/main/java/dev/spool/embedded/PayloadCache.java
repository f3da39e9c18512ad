package dev.spool.embedded;

import dev.spool.api.MessageBody;
import dev.spool.api.Payload;

/**
 * The journal's bounded payload cache: messages whose inline payload is still on the heap, in the
 * order they were added (linked through {@link Msg#cacheNext}, no nodes allocated). Past the
 * budget the oldest payloads are dropped, but only once their journal position is durable, so a
 * pop never has to read a record that is not in the file yet. Engine thread only.
 */
final class PayloadCache {
    private final long budget;
    private Msg head;
    private Msg tail;
    private long bytes;

    PayloadCache(long budget) {
        this.budget = budget;
    }

    /** Adds a message whose {@code body} holds an inline payload. */
    void add(Msg m) {
        bytes += m.body.payload().size();
        if (tail == null) {
            head = m;
        } else {
            tail.cacheNext = m;
        }
        tail = m;
    }

    /** The message was deleted: its payload no longer counts (it leaves the list at the next trim). */
    void deleted(Msg m) {
        MessageBody b = m.body;
        if (b != null && b.payload() instanceof Payload.Inline) {
            bytes -= b.payload().size();
        }
        m.body = null;
    }

    /** Drops the oldest payloads while over budget, stopping at the first not yet durable. */
    void trim(long durablePos) {
        Msg h = head;
        while (h != null) {
            MessageBody b = h.body;
            if (b != null) {
                if (bytes <= budget || h.location >= durablePos) {
                    break;
                }
                if (b.payload() instanceof Payload.Inline) {
                    bytes -= b.payload().size();
                }
                h.body = null;
            }
            Msg next = h.cacheNext;
            h.cacheNext = null;
            h = next;
        }
        head = h;
        if (h == null) {
            tail = null;
        }
    }

    /** Payload bytes held. */
    long bytes() {
        return bytes;
    }
}
