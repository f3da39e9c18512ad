package dev.spool.api;

import java.util.List;

/**
 * Move dead letters of a queue and group back: each waiting in the dead-letter queue is removed
 * from it and pushed again to the group it died in, as a new message with its attempts at zero.
 *
 * @param group the group whose dead letters to move
 * @param limit most messages to move
 * @param ids when not empty, only the dead letters with these ids (the ids a browse of
 *        {@code state=dead} shows: the messages' ids in the queue they died in); ids that are not
 *        dead letters of the group (never were, already moved, leased in the dead-letter queue)
 *        are skipped. Empty: the oldest dead letters, up to {@code limit}
 */
public record RedriveRequest(String group, int limit, List<Long> ids) {
    /** Checks for nulls and copies the ids. */
    public RedriveRequest {
        if (group == null || ids == null) {
            throw new IllegalArgumentException("group and ids must not be null");
        }
        ids = List.copyOf(ids);
    }

    /** The oldest dead letters of {@code group}, at most {@code limit}. */
    public RedriveRequest(String group, int limit) {
        this(group, limit, List.of());
    }

    /** The dead letters of {@code group} with these ids (limit: their number). */
    public static RedriveRequest selected(String group, List<Long> ids) {
        return new RedriveRequest(group, Math.max(1, ids.size()), ids);
    }

    /** Checks ranges. */
    public void validate(BrokerLimits limits) {
        Names.checkGroup(group, "group");
        Validation.range("limit", limit, 1, limits.maxBatch());
        Validation.range("ids", ids.size(), 0, limits.maxBatch());
    }
}
