package dev.spool.api;

import java.util.Optional;

/**
 * A group of a queue: the default group or a named one.
 *
 * @param name its name ({@link Broker#DEFAULT_GROUP} for the queue's own)
 * @param start where it started reading
 * @param createdAt epoch ms of its creation
 * @param stats its counts
 * @param push the push configuration of a push group as stored by {@link Broker#putGroup}, or empty
 */
public record GroupInfo(String name, StartPosition start, long createdAt, QueueStats stats, Optional<String> push) {

    /** Checks for nulls. */
    public GroupInfo {
        if (push == null) {
            throw new IllegalArgumentException("push must not be null");
        }
    }

    /** A group without push configuration. */
    public GroupInfo(String name, StartPosition start, long createdAt, QueueStats stats) {
        this(name, start, createdAt, stats, Optional.empty());
    }
}
