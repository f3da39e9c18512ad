package dev.spool.api;

/**
 * A pop: lease up to {@code max} ready messages of a group.
 *
 * @param group the group to consume ({@link Broker#DEFAULT_GROUP} for the queue itself)
 * @param max most messages to return, at least 1
 * @param visibilityMs lease length; 0 means the queue's {@code visibility_timeout_ms}
 * @param waitMs how long to wait for a first message when none is ready; 0 returns at once
 */
public record PopRequest(String group, int max, long visibilityMs, long waitMs) {
    /** Checks for nulls. */
    public PopRequest {
        if (group == null) {
            throw new IllegalArgumentException("group must not be null");
        }
    }

    /** Up to {@code max} messages of the default group, queue visibility, no waiting. */
    public static PopRequest of(int max) {
        return new PopRequest(Broker.DEFAULT_GROUP, max, 0, 0);
    }

    /** Checks ranges against the limits. */
    public void validate(BrokerLimits limits) {
        Names.checkGroup(group, "group");
        Validation.range("max", max, 1, limits.maxPop());
        Validation.range("visibility_ms", visibilityMs, 0, Validation.MAX_VISIBILITY_MS);
        Validation.range("wait_ms", waitMs, 0, limits.maxWaitMs());
    }
}
