package dev.spool.embedded;

/**
 * A position in the journal packed in a long: segment number in the high 32 bits, byte offset in
 * that segment in the low 32. Positions grow with every record, across segments.
 */
final class JournalPos {
    private JournalPos() {
    }

    static long of(long segment, long offset) {
        return (segment << 32) | offset;
    }

    static long segment(long pos) {
        return pos >>> 32;
    }

    static long offset(long pos) {
        return pos & 0xFFFF_FFFFL;
    }
}
