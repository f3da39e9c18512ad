package dev.spool.api;

import java.util.Optional;

/**
 * A message as seen by the task view and by browse, without leasing it.
 *
 * @param id the message id
 * @param queue its queue
 * @param group the group this view is about
 * @param state its state in that group
 * @param attempts deliveries to that group so far
 * @param enqueuedAt epoch ms of the push
 * @param availableAt epoch ms at which a delayed message becomes ready or a lease ends; 0 otherwise
 * @param lastError the reason of the last nack, lease expiry or death
 * @param result the result stored by the ack, while kept
 * @param body what the producer sent, while the message is retained
 */
public record MessageView(long id, String queue, String group, MessageState state, int attempts, long enqueuedAt,
        long availableAt, Optional<String> lastError, Optional<TaskResult> result, Optional<MessageBody> body) {

    /** The message id in string form. */
    public String idString() {
        return MessageIds.format(id);
    }
}
