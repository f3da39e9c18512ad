package dev.spool.api;

/**
 * How to create a named group.
 *
 * @param start where it starts reading
 */
public record GroupSpec(StartPosition start) {
    /** Checks for nulls. */
    public GroupSpec {
        if (start == null) {
            throw new IllegalArgumentException("start must not be null");
        }
    }
}
