package dev.spool.api;

import java.util.List;

/**
 * A queue's configuration and counts.
 *
 * @param name the queue name
 * @param config its configuration
 * @param createdAt epoch ms of its creation
 * @param stats counts of the default group
 * @param groups every named group with its counts (the default group is not repeated here)
 */
public record QueueInfo(String name, QueueConfig config, long createdAt, QueueStats stats, List<GroupInfo> groups) {
    /** Copies the list. */
    public QueueInfo {
        groups = List.copyOf(groups);
    }
}
