package dev.spool.api;

/** What an ack, nack or extend did with one receipt. */
public enum ReceiptOutcome {
    /** Applied. */
    OK,
    /** The lease already ended or a newer delivery exists; nothing changed. */
    STALE,
    /** No such message in this queue and group (never existed, or already gone). */
    NOT_FOUND;

    private static final ReceiptOutcome[] VALUES = values();

    /** The wire name, lowercase. */
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    static ReceiptOutcome ofOrdinal(int ordinal) {
        return VALUES[ordinal];
    }
}
