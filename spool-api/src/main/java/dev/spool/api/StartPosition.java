package dev.spool.api;

/**
 * Where a new group starts reading its queue.
 */
public sealed interface StartPosition {
    /** Every message still held by the queue (unfinished, or kept by retention). */
    StartPosition EARLIEST = new Earliest();
    /** Only messages pushed after the group was created. */
    StartPosition LATEST = new Latest();

    /** The wire form: {@code earliest}, {@code latest} or the epoch millisecond. */
    String wire();

    /** Every message still held. */
    record Earliest() implements StartPosition {
        @Override
        public String wire() {
            return "earliest";
        }
    }

    /** Only new messages. */
    record Latest() implements StartPosition {
        @Override
        public String wire() {
            return "latest";
        }
    }

    /**
     * Messages pushed at or after an instant.
     *
     * @param epochMs the instant
     */
    record At(long epochMs) implements StartPosition {
        @Override
        public String wire() {
            return Long.toString(epochMs);
        }
    }

    /**
     * Parses {@code earliest}, {@code latest}, an epoch millisecond or an ISO-8601 instant.
     *
     * @throws SpoolException {@link ErrorCode#INVALID_ARGUMENT} naming {@code field}
     */
    static StartPosition parse(String text, String field) {
        if (text == null) {
            throw SpoolException.invalid(field, "start is earliest, latest, epoch ms or an ISO-8601 instant");
        }
        switch (text) {
            case "earliest":
                return EARLIEST;
            case "latest":
                return LATEST;
            default:
                break;
        }
        try {
            long ms = text.chars().allMatch(Character::isDigit) && !text.isEmpty() && text.length() < 19
                    ? Long.parseLong(text) : java.time.Instant.parse(text).toEpochMilli();
            Validation.range(field, ms, 0, Validation.MAX_EPOCH_MS);
            return new At(ms);
        } catch (java.time.format.DateTimeParseException | ArithmeticException e) {
            throw SpoolException.invalid(field, "start is earliest, latest, epoch ms or an ISO-8601 instant");
        }
    }
}
