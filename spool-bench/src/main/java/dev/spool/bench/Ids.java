package dev.spool.bench;

/**
 * The identity every bench message carries: {@code <producer>.<seq>} at the start of its payload
 * (JSON string or bytes), or in the {@code Spool-Header-Bench} header for raw payloads. Packed into
 * one long as {@code producer << 40 | seq} so that consumers need no allocation to pass it on.
 */
final class Ids {
    static final int SEQ_BITS = 40;
    static final long SEQ_MASK = (1L << SEQ_BITS) - 1;
    /** Returned when the text holds no bench identity. */
    static final long NONE = -1;

    private Ids() {
    }

    static long pack(int producer, long seq) {
        return ((long) producer << SEQ_BITS) | seq;
    }

    static int producer(long packed) {
        return (int) (packed >>> SEQ_BITS);
    }

    static long seq(long packed) {
        return packed & SEQ_MASK;
    }

    static String text(int producer, long seq) {
        return producer + "." + seq;
    }

    /** Parses {@code <producer>.<seq>} followed by the end or a dot. */
    static long parse(CharSequence s) {
        if (s == null) {
            return NONE;
        }
        int n = s.length();
        int i = 0;
        long producer = 0;
        int start = i;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 7) {
            producer = producer * 10 + (s.charAt(i++) - '0');
        }
        if (i == start || i >= n || s.charAt(i) != '.') {
            return NONE;
        }
        i++;
        start = i;
        long seq = 0;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 13) {
            seq = seq * 10 + (s.charAt(i++) - '0');
        }
        if (i == start || (i < n && s.charAt(i) != '.') || seq > SEQ_MASK || producer > Integer.MAX_VALUE) {
            return NONE;
        }
        return pack((int) producer, seq);
    }

    /** Parses the identity at the start of a byte payload (ASCII; after the quote of a JSON string). */
    static long parse(byte[] b) {
        int from = b.length > 0 && b[0] == '"' ? 1 : 0; // a JSON string payload: the text after its quote
        int n = Math.min(b.length, from + 24);
        StringBuilder sb = new StringBuilder(n);
        for (int i = from; i < n; i++) {
            sb.append((char) (b[i] & 0xff));
        }
        return parse(sb);
    }
}
