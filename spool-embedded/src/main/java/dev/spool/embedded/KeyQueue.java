package dev.spool.embedded;

/**
 * The unfinished messages of one key in one group, oldest first, linked through
 * {@link Entry#keyNext}. Only the head may be ready or in flight; the others are blocked.
 */
final class KeyQueue {
    Entry head;
    Entry tail;

    KeyQueue(Entry first) {
        head = first;
        tail = first;
    }

    void append(Entry e) {
        tail.keyNext = e;
        tail = e;
    }

    /** Unlinks {@code e}, which is not the head (it finished out of order, e.g. removed by id). */
    void unlinkFromMiddle(Entry e) {
        Entry prev = head;
        while (prev != null && prev.keyNext != e) {
            prev = prev.keyNext;
        }
        if (prev != null) {
            prev.keyNext = e.keyNext;
            if (tail == e) {
                tail = prev;
            }
        }
        e.keyNext = null;
    }
}
