package dev.spool.api;

import java.util.List;
import java.util.Optional;

/**
 * A queue's configuration and counts.
 *
 * @param name the queue name
 * @param config its configuration
 * @param createdAt epoch ms of its creation
 * @param stats counts of the default group
 * @param groups every named group with its counts (the default group is not repeated here)
 * @param push the default group's push configuration when it is a push group (see
 *     {@link Broker#putGroup}), or empty
 */
public record QueueInfo(String name, QueueConfig config, long createdAt, QueueStats stats, List<GroupInfo> groups,
        Optional<String> push) {
    /** Copies the list and checks for a null push. */
    public QueueInfo {
        groups = List.copyOf(groups);
        if (push == null) {
            throw new IllegalArgumentException("push must not be null");
        }
    }

    /** A queue whose default group is not a push group. */
    public QueueInfo(String name, QueueConfig config, long createdAt, QueueStats stats, List<GroupInfo> groups) {
        this(name, config, createdAt, stats, groups, Optional.empty());
    }
}
