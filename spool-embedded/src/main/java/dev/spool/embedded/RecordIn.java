package dev.spool.embedded;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Sequential little-endian reads of journal bytes, from a buffer (a record or entry already in
 * memory) or from a segment file (replay, where payloads are skipped rather than read).
 */
interface RecordIn {
    byte get();

    int getInt();

    long getLong();

    double getDouble();

    /** An int32 length (-1: null) then UTF-8 bytes. */
    String getString();

    byte[] getBytes(int n);

    void skip(long n);

    /** Position in the file (or buffer) of the next byte. */
    long position();

    /** Reads a buffer. */
    final class OfBuffer implements RecordIn {
        private final ByteBuffer in;
        private final long base;
        private final boolean mayEndEarly;
        /** Bytes skipped past the end of the buffer (a payload that was not read). */
        private long beyond;

        OfBuffer(ByteBuffer in) {
            this(in, 0);
        }

        /** Reads {@code in}, whose byte 0 is at {@code base} of a file. */
        OfBuffer(ByteBuffer in, long base) {
            this(in, base, false);
        }

        private OfBuffer(ByteBuffer in, long base, boolean mayEndEarly) {
            this.in = in;
            this.base = base;
            this.mayEndEarly = mayEndEarly;
        }

        /**
         * Reads the head of an entry whose payload may lie past the buffer's end: skipping past the
         * end is allowed (the payload is not read) and positions count the bytes skipped.
         */
        static OfBuffer endingEarly(ByteBuffer in, long base) {
            return new OfBuffer(in, base, true);
        }

        @Override
        public byte get() {
            return in.get();
        }

        @Override
        public int getInt() {
            return in.getInt();
        }

        @Override
        public long getLong() {
            return in.getLong();
        }

        @Override
        public double getDouble() {
            return in.getDouble();
        }

        @Override
        public String getString() {
            int n = in.getInt();
            if (n < 0) {
                return null;
            }
            if (n > in.remaining()) {
                throw new IllegalStateException("string of " + n + " bytes runs past the data");
            }
            String s = new String(in.array(), in.arrayOffset() + in.position(), n, StandardCharsets.UTF_8);
            in.position(in.position() + n);
            return s;
        }

        @Override
        public byte[] getBytes(int n) {
            byte[] b = new byte[n];
            in.get(b);
            return b;
        }

        @Override
        public void skip(long n) {
            if (!mayEndEarly) {
                in.position((int) (in.position() + n));
                return;
            }
            long target = in.position() + beyond + n;
            in.position((int) Math.min(in.limit(), target));
            beyond = target - in.position();
        }

        @Override
        public long position() {
            return base + in.position() + beyond;
        }
    }
}
