package dev.spool.api;

import java.util.Optional;

/**
 * Acknowledge deliveries, optionally storing a task result on each acknowledged message.
 *
 * @param group the group the deliveries came from
 * @param receipts the deliveries
 * @param result a result stored with every message acknowledged by this request
 */
public record AckRequest(String group, Receipts receipts, Optional<TaskResult> result) {
    /** Checks for nulls. */
    public AckRequest {
        if (group == null || receipts == null || result == null) {
            throw new IllegalArgumentException("ack fields must not be null");
        }
    }

    /** Acknowledge these deliveries of the default group, without result. */
    public static AckRequest of(Receipts receipts) {
        return new AckRequest(Broker.DEFAULT_GROUP, receipts, Optional.empty());
    }

    /** Checks the group and batch size. */
    public void validate(BrokerLimits limits) {
        Names.checkGroup(group, "group");
        Validation.range("receipts", receipts.size(), 1, limits.maxBatch());
    }
}
