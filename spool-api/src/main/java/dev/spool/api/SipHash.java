package dev.spool.api;

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012), a keyed pseudo-random function designed for short
 * inputs, with a 128-bit key. Both storage backends sign receipts with it (the embedded engine's
 * {@code ReceiptTags}, PostgreSQL's {@code ReceiptSigner}); they differ only in the words they hash.
 * {@link #hash3} is the hot form: three 64-bit words cost about twelve rounds of additions,
 * rotations and xors on locals and allocate nothing. {@link #hash} is the reference form over any
 * bytes, against which {@code hash3} is tested. Instances are immutable and thread-safe.
 */
public final class SipHash {
    private final long k0;
    private final long k1;

    /**
     * A hash keyed with 16 bytes, read as two little-endian 64-bit words.
     *
     * @throws IllegalArgumentException when the key is not 16 bytes
     */
    public SipHash(byte[] key) {
        if (key.length != 16) {
            throw new IllegalArgumentException("a SipHash key is 16 bytes");
        }
        this.k0 = le(key, 0);
        this.k1 = le(key, 8);
    }

    /** SipHash-2-4 of the 24 bytes that are {@code a, b, c} in little-endian order. */
    public long hash3(long a, long b, long c) {
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

    /** SipHash-2-4 of any bytes. */
    public long hash(byte[] data) {
        long[] v = {k0 ^ 0x736f6d6570736575L, k1 ^ 0x646f72616e646f6dL, k0 ^ 0x6c7967656e657261L,
            k1 ^ 0x7465646279746573L};
        int full = data.length & ~7;
        for (int i = 0; i < full; i += 8) {
            compress(v, le(data, i));
        }
        long last = (long) (data.length & 0xFF) << 56;
        for (int i = full; i < data.length; i++) {
            last |= (data[i] & 0xFFL) << (8 * (i - full));
        }
        compress(v, last);
        v[2] ^= 0xFF;
        for (int i = 0; i < 4; i++) {
            round(v);
        }
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void compress(long[] v, long m) {
        v[3] ^= m;
        round(v);
        round(v);
        v[0] ^= m;
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
