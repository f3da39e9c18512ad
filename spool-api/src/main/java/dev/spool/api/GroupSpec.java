package dev.spool.api;

import java.util.Optional;

/**
 * How to create a named group.
 *
 * @param start where it starts reading
 * @param push the push delivery configuration of a push group (opaque text the server owns, JSON in
 *        practice), or empty for a group that consumers pop from. The broker stores it durably and
 *        returns it unchanged in {@link GroupInfo#push()}; it never interprets it.
 */
public record GroupSpec(StartPosition start, Optional<String> push) {
    /** The longest push configuration a backend must store, in characters. */
    public static final int MAX_PUSH_CHARS = 64 * 1024;

    /** Checks for nulls and the size of the push configuration. */
    public GroupSpec {
        if (start == null || push == null) {
            throw new IllegalArgumentException("start and push must not be null");
        }
        if (push.isPresent() && push.get().length() > MAX_PUSH_CHARS) {
            throw SpoolException.invalid("push", "push configuration is longer than " + MAX_PUSH_CHARS
                    + " characters");
        }
    }

    /** A group that consumers pop from. */
    public GroupSpec(StartPosition start) {
        this(start, Optional.empty());
    }
}
