package dev.spool.embedded;

import java.security.SecureRandom;

/**
 * Signs receipts so that nobody but this server can make one: a receipt's tag is SipHash-2-4,
 * keyed with a 128-bit secret, over the queue id, the group id, the message id and the delivery's
 * attempt number. Browsing shows a message's id and attempts, never its tag, so a client can ack
 * only a lease it was handed. Queue and group ids are never reused (see {@code StateMachine}), so a
 * receipt of a deleted group or queue names nothing in a new one of the same name. In journal mode
 * the secret lives in the data directory ({@link ReceiptKeyFile}) and receipts stay valid across
 * restarts; in memory mode it is drawn per process.
 *
 * <p>SipHash is a keyed pseudo-random function designed for short inputs (Aumasson and Bernstein,
 * 2012); the three-word input costs about twelve rounds of additions, rotations and xors, and
 * allocates nothing.
 */
final class ReceiptTags {
    private final long k0;
    private final long k1;

    /** A key of 16 bytes, read as two little-endian 64-bit words. */
    ReceiptTags(byte[] key) {
        if (key.length != 16) {
            throw new IllegalArgumentException("a receipt key is 16 bytes");
        }
        this.k0 = le(key, 0);
        this.k1 = le(key, 8);
    }

    /** A fresh random key, for memory mode. */
    static ReceiptTags random() {
        byte[] key = new byte[16];
        new SecureRandom().nextBytes(key);
        return new ReceiptTags(key);
    }

    /** The tag of a delivery; never 0, which in a receipt means "no tag". */
    long tag(int qid, int gid, long id, int attempts) {
        long t = hash3(((long) qid << 32) | (gid & 0xFFFF_FFFFL), id, attempts & 0xFFFF_FFFFL);
        return t == 0 ? 1 : t;
    }

    /**
     * SipHash-2-4 of the 24 bytes that are {@code a, b, c} in little-endian order; the same as
     * {@link #hash} of those bytes, spelled out on locals so that the hot path allocates nothing.
     */
    long hash3(long a, long b, long c) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        for (int w = 0; w < 4; w++) {
            long m = w == 0 ? a : w == 1 ? b : w == 2 ? c : 24L << 56;
            v3 ^= m;
            for (int r = 0; r < 2; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13) ^ v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16) ^ v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21) ^ v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17) ^ v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        v2 ^= 0xFF;
        for (int r = 0; r < 4; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13) ^ v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16) ^ v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21) ^ v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17) ^ v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    /** SipHash-2-4 of any bytes; the reference form, against which {@link #hash3} is tested. */
    long hash(byte[] data) {
        long[] v = init();
        int full = data.length & ~7;
        for (int i = 0; i < full; i += 8) {
            compress(v, le(data, i));
        }
        long last = (long) (data.length & 0xFF) << 56;
        for (int i = full; i < data.length; i++) {
            last |= (data[i] & 0xFFL) << (8 * (i - full));
        }
        return finish(v, last);
    }

    private long[] init() {
        return new long[] {k0 ^ 0x736f6d6570736575L, k1 ^ 0x646f72616e646f6dL, k0 ^ 0x6c7967656e657261L,
            k1 ^ 0x7465646279746573L};
    }

    private static void compress(long[] v, long m) {
        v[3] ^= m;
        round(v);
        round(v);
        v[0] ^= m;
    }

    private static long finish(long[] v, long last) {
        compress(v, last);
        v[2] ^= 0xFF;
        for (int i = 0; i < 4; i++) {
            round(v);
        }
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void round(long[] v) {
        v[0] += v[1];
        v[1] = Long.rotateLeft(v[1], 13) ^ v[0];
        v[0] = Long.rotateLeft(v[0], 32);
        v[2] += v[3];
        v[3] = Long.rotateLeft(v[3], 16) ^ v[2];
        v[0] += v[3];
        v[3] = Long.rotateLeft(v[3], 21) ^ v[0];
        v[2] += v[1];
        v[1] = Long.rotateLeft(v[1], 17) ^ v[2];
        v[2] = Long.rotateLeft(v[2], 32);
    }

    private static long le(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }
}
