package dev.spool.embedded;

/**
 * Time-ordered 64-bit message ids: the top 44 bits are the epoch millisecond, the low 20 bits a
 * sequence within it. Ids never go backwards: a clock that steps back, or more than a million ids
 * in one millisecond, borrows from the following milliseconds.
 */
final class Ids {
    static final int SEQ_BITS = 20;

    private long last;

    /** Continues after {@code lastIssued} (restored from the journal). */
    void resumeAfter(long lastIssued) {
        last = Math.max(last, lastIssued);
    }

    long next(long nowMs) {
        long candidate = nowMs << SEQ_BITS;
        last = candidate > last ? candidate : last + 1;
        return last;
    }

    long last() {
        return last;
    }

    static long timeOf(long id) {
        return id >>> SEQ_BITS;
    }
}
