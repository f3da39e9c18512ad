package dev.spool.api;

/**
 * A group of a queue: the default group or a named one.
 *
 * @param name its name ({@link Broker#DEFAULT_GROUP} for the queue's own)
 * @param start where it started reading
 * @param createdAt epoch ms of its creation
 * @param stats its counts
 */
public record GroupInfo(String name, StartPosition start, long createdAt, QueueStats stats) {
}
