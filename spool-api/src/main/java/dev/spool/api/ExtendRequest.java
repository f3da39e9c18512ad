package dev.spool.api;

/**
 * Prolong leases: each lease then ends {@code visibilityMs} after now.
 *
 * @param group the group the deliveries came from
 * @param receipts the deliveries
 * @param visibilityMs new lease length from now; 0 means the queue's visibility timeout
 */
public record ExtendRequest(String group, Receipts receipts, long visibilityMs) {
    /** Checks for nulls. */
    public ExtendRequest {
        if (group == null || receipts == null) {
            throw new IllegalArgumentException("extend fields must not be null");
        }
    }

    /** Checks ranges. */
    public void validate(BrokerLimits limits) {
        Names.checkGroup(group, "group");
        Validation.range("receipts", receipts.size(), 1, limits.maxBatch());
        Validation.range("visibility_ms", visibilityMs, 0, Validation.MAX_VISIBILITY_MS);
    }
}
