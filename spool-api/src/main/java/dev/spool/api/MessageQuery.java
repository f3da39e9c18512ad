package dev.spool.api;

/**
 * A task-view lookup.
 *
 * @param group whose state to report
 * @param waitMs wait up to this long for the message to reach a terminal state (0: answer at once)
 */
public record MessageQuery(String group, long waitMs) {
    /** The default group, no waiting. */
    public static final MessageQuery NOW = new MessageQuery(Broker.DEFAULT_GROUP, 0);

    /** Checks for nulls. */
    public MessageQuery {
        if (group == null) {
            throw new IllegalArgumentException("group must not be null");
        }
    }

    /** Checks ranges. */
    public void validate(BrokerLimits limits) {
        Names.checkGroup(group, "group");
        Validation.range("wait_ms", waitMs, 0, limits.maxWaitMs());
    }
}
