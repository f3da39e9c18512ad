package dev.spool.api;

/**
 * One message handed to a consumer with a lease.
 *
 * @param id the message id
 * @param attempts how many times the message has been delivered to this group, this delivery
 *        included; it is also the delivery's fencing number
 * @param enqueuedAt epoch ms of the push
 * @param leaseExpiresAt epoch ms at which the lease ends unless extended
 * @param body what the producer sent
 */
public record Delivery(long id, int attempts, long enqueuedAt, long leaseExpiresAt, MessageBody body) {

    /** The receipt that acks, nacks or extends this delivery. */
    public String receipt() {
        return Receipts.format(id, attempts);
    }

    /** The message id in string form. */
    public String idString() {
        return MessageIds.format(id);
    }
}
