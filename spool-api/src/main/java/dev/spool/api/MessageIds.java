package dev.spool.api;

/**
 * The string form of message ids: 16 lowercase hex digits of the 64-bit id, so that string order
 * equals numeric order and ids sort by time where the backend makes them time-ordered.
 */
public final class MessageIds {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private MessageIds() {
    }

    /** The 16-digit form of an id. */
    public static String format(long id) {
        char[] out = new char[16];
        for (int i = 15; i >= 0; i--) {
            out[i] = HEX[(int) (id & 0xF)];
            id >>>= 4;
        }
        return new String(out);
    }

    /**
     * Parses the 16-digit form.
     *
     * @param text the id as given by a caller
     * @param field the request field, for the error
     * @return the id
     * @throws SpoolException {@link ErrorCode#INVALID_ARGUMENT} if it is not 16 hex digits
     */
    public static long parse(String text, String field) {
        if (text == null || text.length() != 16) {
            throw SpoolException.invalid(field, "a message id is 16 hex digits");
        }
        return parseHex(text, 0, 16, field);
    }

    static long parseHex(String text, int from, int to, String field) {
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = Character.digit(text.charAt(i), 16);
            if (d < 0) {
                throw SpoolException.invalid(field, "not a hex digit at position " + i);
            }
            v = (v << 4) | d;
        }
        return v;
    }
}
