package dev.spool.api;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Give deliveries back: each becomes ready again after {@code delayMs} (or the queue's backoff),
 * or is dead-lettered if it used its last attempt.
 *
 * @param group the group the deliveries came from
 * @param receipts the deliveries
 * @param delayMs delay before the message is ready again; empty means the queue's retry backoff
 * @param reason why, kept as the message's {@code last_error}
 * @param deadLetter dead-letter the deliveries now, whatever attempts they have left ({@code delayMs}
 *        is then ignored; the reason becomes the dead letter's {@code spool-dead-reason}): a failure
 *        that no retry can fix, such as a push endpoint answering {@code 410 Gone}
 */
public record NackRequest(String group, Receipts receipts, OptionalLong delayMs, Optional<String> reason,
        boolean deadLetter) {
    /** Checks for nulls. */
    public NackRequest {
        if (group == null || receipts == null || delayMs == null || reason == null) {
            throw new IllegalArgumentException("nack fields must not be null");
        }
    }

    /** A nack that retries (or dead-letters only on the last attempt). */
    public NackRequest(String group, Receipts receipts, OptionalLong delayMs, Optional<String> reason) {
        this(group, receipts, delayMs, reason, false);
    }

    /** Nack these deliveries of the default group with the queue's backoff. */
    public static NackRequest of(Receipts receipts) {
        return new NackRequest(Broker.DEFAULT_GROUP, receipts, OptionalLong.empty(), Optional.empty());
    }

    /** Checks ranges. */
    public void validate(BrokerLimits limits) {
        Names.checkGroup(group, "group");
        Validation.range("receipts", receipts.size(), 1, limits.maxBatch());
        if (delayMs.isPresent()) {
            Validation.range("delay_ms", delayMs.getAsLong(), 0, Validation.MAX_DELAY_MS);
        }
        reason.ifPresent(r -> Validation.range("reason", r.length(), 0, Validation.MAX_REASON_LENGTH));
    }
}
