package dev.spool.api;

/**
 * List messages without leasing them.
 *
 * <p>{@code READY}, {@code DELAYED} and {@code IN_FLIGHT} list messages of the queue's group in id
 * order. {@code DEAD} lists the dead letters that came from this queue and group and still wait in
 * its dead-letter queue.
 *
 * @param group the group
 * @param state which messages: {@code READY}, {@code DELAYED}, {@code IN_FLIGHT} or {@code DEAD}
 * @param limit most messages to return
 * @param afterId only messages with a greater id (0: from the start), for paging
 */
public record BrowseRequest(String group, MessageState state, int limit, long afterId) {
    /** Checks for nulls. */
    public BrowseRequest {
        if (group == null || state == null) {
            throw new IllegalArgumentException("browse fields must not be null");
        }
    }

    /** Checks ranges. */
    public void validate(BrokerLimits limits) {
        Names.checkGroup(group, "group");
        if (state == MessageState.ACKED || state == MessageState.EXPIRED) {
            throw SpoolException.invalid("state", "browse lists ready, delayed, in_flight or dead messages");
        }
        Validation.range("limit", limit, 1, limits.maxBrowse());
    }
}
