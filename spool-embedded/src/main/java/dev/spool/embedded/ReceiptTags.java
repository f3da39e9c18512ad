package dev.spool.embedded;

import java.security.SecureRandom;

import dev.spool.api.SipHash;

/**
 * Signs receipts so that nobody but this server can make one: a receipt's tag is SipHash-2-4,
 * keyed with a 128-bit secret, over the queue id, the group id, the message id and the delivery's
 * attempt number. Browsing shows a message's id and attempts, never its tag, so a client can ack
 * only a lease it was handed. Queue and group ids are never reused (see {@code StateMachine}), so a
 * receipt of a deleted group or queue names nothing in a new one of the same name. In journal mode
 * the secret lives in the data directory ({@link ReceiptKeyFile}) and receipts stay valid across
 * restarts; in memory mode it is drawn per process.
 *
 * <p>The hash is {@link SipHash} of spool-api, shared with the PostgreSQL backend.
 */
final class ReceiptTags {
    private final SipHash sip;

    /** A key of 16 bytes, read as two little-endian 64-bit words. */
    ReceiptTags(byte[] key) {
        if (key.length != 16) {
            throw new IllegalArgumentException("a receipt key is 16 bytes");
        }
        this.sip = new SipHash(key);
    }

    /** A fresh random key, for memory mode. */
    static ReceiptTags random() {
        byte[] key = new byte[16];
        new SecureRandom().nextBytes(key);
        return new ReceiptTags(key);
    }

    /** The tag of a delivery; never 0, which in a receipt means "no tag". */
    long tag(int qid, int gid, long id, int attempts) {
        long t = sip.hash3(((long) qid << 32) | (gid & 0xFFFF_FFFFL), id, attempts & 0xFFFF_FFFFL);
        return t == 0 ? 1 : t;
    }
}
