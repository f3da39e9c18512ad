package dev.spool.embedded;

import java.util.zip.CRC32C;

/**
 * CRC32C arithmetic the JDK lacks: the CRC of a concatenation from the CRCs of its parts
 * ({@link #combine}), and {@link Running}, a record's CRC built from runs of bytes and from parts
 * whose CRC is already known.
 *
 * <p>Why: the journal writer copies a large payload whose CRC32C is known (computed while the upload
 * was spooled, or when the entry was read and checked) straight from its file into the segment
 * with {@link java.nio.channels.FileChannel#transferTo}, in the kernel, and must still write the
 * CRC32C of the whole record around it. Combining costs O(log n) of 32-bit steps, not a read of n
 * bytes. The arithmetic is zlib's {@code crc32_combine} with the Castagnoli polynomial.
 */
final class Crc32c {
    /** The reflected Castagnoli polynomial. */
    private static final int POLY = 0x82F63B78;
    /** x^(2^k) modulo the polynomial, for k = 0..31. */
    private static final int[] X2N = new int[32];

    static {
        int p = 1 << 30; // x^1
        X2N[0] = p;
        for (int k = 1; k < 32; k++) {
            p = multModP(p, p);
            X2N[k] = p;
        }
    }

    private Crc32c() {
    }

    /** The CRC32C of A followed by B, from CRC32C(A), CRC32C(B) and B's length. */
    static int combine(int crcA, int crcB, long lengthB) {
        if (lengthB <= 0) {
            return crcA;
        }
        return multModP(x8nModP(lengthB), crcA) ^ crcB;
    }

    /** a * b modulo the polynomial, both reflected. */
    private static int multModP(int a, int b) {
        int m = 1 << 31;
        int p = 0;
        while (true) {
            if ((a & m) != 0) {
                p ^= b;
                if ((a & (m - 1)) == 0) {
                    break;
                }
            }
            m >>>= 1;
            b = (b & 1) != 0 ? (b >>> 1) ^ POLY : b >>> 1;
        }
        return p;
    }

    /** x^(8n) modulo the polynomial: the shift of n bytes. */
    private static int x8nModP(long n) {
        int p = 1 << 31; // x^0
        int k = 3;
        while (n != 0) {
            if ((n & 1) != 0) {
                p = multModP(X2N[k & 31], p);
            }
            n >>>= 1;
            k++;
        }
        return p;
    }

    /** The CRC32C of a sequence given as runs of bytes and parts of known CRC; reusable. */
    static final class Running {
        private final CRC32C run = new CRC32C();
        private long runLength;
        private int before;

        void reset() {
            run.reset();
            runLength = 0;
            before = 0;
        }

        void update(byte[] b, int off, int len) {
            run.update(b, off, len);
            runLength += len;
        }

        /** Adds a part of {@code length} bytes whose CRC32C is {@code crc}, without its bytes. */
        void append(int crc, long length) {
            before = combine(value(), crc, length);
            run.reset();
            runLength = 0;
        }

        int value() {
            return combine(before, (int) run.getValue(), runLength);
        }
    }
}
