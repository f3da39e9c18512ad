package dev.spool.api;

/** Where a message stands in one group. */
public enum MessageState {
    /** Can be popped now. */
    READY,
    /** Waits for its delay, a nack's backoff, or its key's predecessor. */
    DELAYED,
    /** Leased to a consumer. */
    IN_FLIGHT,
    /** Acknowledged (terminal). */
    ACKED,
    /** Moved to the dead-letter queue after too many attempts (terminal). */
    DEAD,
    /** Its TTL passed before it was consumed (terminal). */
    EXPIRED;

    /** The wire name, lowercase. */
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether nothing more will happen to the message in this group. */
    public boolean isTerminal() {
        return this == ACKED || this == DEAD || this == EXPIRED;
    }

    /**
     * Parses a wire name.
     *
     * @throws SpoolException {@link ErrorCode#INVALID_ARGUMENT} for unknown names
     */
    public static MessageState fromWire(String text, String field) {
        for (MessageState s : values()) {
            if (s.wire().equals(text)) {
                return s;
            }
        }
        throw SpoolException.invalid(field, "unknown state '" + text + "'");
    }
}
