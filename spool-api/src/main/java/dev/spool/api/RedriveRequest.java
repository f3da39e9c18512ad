package dev.spool.api;

/**
 * Move dead letters of a queue and group back: each waiting in the dead-letter queue is removed
 * from it and pushed again to the group it died in, as a new message with its attempts at zero.
 *
 * @param group the group whose dead letters to move
 * @param limit most messages to move
 */
public record RedriveRequest(String group, int limit) {
    /** Checks for nulls. */
    public RedriveRequest {
        if (group == null) {
            throw new IllegalArgumentException("group must not be null");
        }
    }

    /** Checks ranges. */
    public void validate(BrokerLimits limits) {
        Names.checkGroup(group, "group");
        Validation.range("limit", limit, 1, limits.maxBatch());
    }
}
