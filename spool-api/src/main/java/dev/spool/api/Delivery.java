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
 * @param tag the receipt tag the backend signed this delivery with, or 0 for a backend whose
 *        receipts carry none (see {@link Receipts})
 * @param firstDeliveredAt epoch ms of the message's first delivery to this group (this one when
 *        {@code attempts} is 1), or 0 when the backend does not know it (the embedded engine
 *        forgets it for messages restored from a snapshot)
 */
public record Delivery(long id, int attempts, long enqueuedAt, long leaseExpiresAt, MessageBody body, long tag,
        long firstDeliveredAt) {

    /** A delivery whose first-delivery time is not known. */
    public Delivery(long id, int attempts, long enqueuedAt, long leaseExpiresAt, MessageBody body, long tag) {
        this(id, attempts, enqueuedAt, leaseExpiresAt, body, tag, 0);
    }

    /** A delivery whose receipt carries no tag. */
    public Delivery(long id, int attempts, long enqueuedAt, long leaseExpiresAt, MessageBody body) {
        this(id, attempts, enqueuedAt, leaseExpiresAt, body, 0);
    }

    /** The receipt that acks, nacks or extends this delivery. */
    public String receipt() {
        return Receipts.format(id, attempts, tag);
    }

    /** The message id in string form. */
    public String idString() {
        return MessageIds.format(id);
    }
}
