package dev.spool.embedded;

import dev.spool.api.SpoolException;

/**
 * When the journal forces written records to disk, and so when a write is acknowledged.
 *
 * <ul>
 * <li>{@code always} (default): a reply completes only after an fsync covering its records; one
 * fsync covers every record written meanwhile (group commit).</li>
 * <li>{@code interval:<ms>}: replies complete once written to the OS; an fsync runs every
 * {@code ms}. A power loss may lose the last interval, a process crash loses nothing.</li>
 * <li>{@code never}: replies complete once written to the OS; the OS decides when to flush.</li>
 * </ul>
 */
public sealed interface FsyncPolicy {
    /** fsync before every reply (group commit). */
    FsyncPolicy ALWAYS = new Always();
    /** Never fsync explicitly. */
    FsyncPolicy NEVER = new Never();

    /** The flag form: {@code always}, {@code never} or {@code interval:<ms>}. */
    String wire();

    /** fsync before every reply. */
    record Always() implements FsyncPolicy {
        @Override
        public String wire() {
            return "always";
        }
    }

    /** Never fsync explicitly. */
    record Never() implements FsyncPolicy {
        @Override
        public String wire() {
            return "never";
        }
    }

    /**
     * fsync periodically.
     *
     * @param intervalMs period, at least 1
     */
    record Interval(long intervalMs) implements FsyncPolicy {
        /** Checks the period. */
        public Interval {
            if (intervalMs < 1 || intervalMs > 60_000) {
                throw SpoolException.invalid("fsync", "interval must be 1-60000 ms");
            }
        }

        @Override
        public String wire() {
            return "interval:" + intervalMs;
        }
    }

    /**
     * Parses the flag form.
     *
     * @throws SpoolException {@code invalid_argument} naming {@code fsync}
     */
    static FsyncPolicy parse(String text) {
        if ("always".equals(text)) {
            return ALWAYS;
        }
        if ("never".equals(text)) {
            return NEVER;
        }
        if (text != null && text.startsWith("interval:")) {
            try {
                return new Interval(Long.parseLong(text.substring("interval:".length())));
            } catch (NumberFormatException e) {
                throw SpoolException.invalid("fsync", "interval must be a number of ms, e.g. interval:10");
            }
        }
        throw SpoolException.invalid("fsync", "fsync is always, never or interval:<ms>");
    }
}
