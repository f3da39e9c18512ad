package dev.spool.api;

import java.util.Arrays;
import java.util.List;

/**
 * A compact, immutable list of receipts, as passed to ack, nack and extend.
 *
 * <p>A receipt names one delivery: the message id, the delivery's fencing number (which grows with
 * every delivery of that message) and, from backends that sign their receipts, a 64-bit tag that
 * only the server can compute. Its string form is {@code <16 hex id>.<fence>} or
 * {@code <16 hex id>.<fence>.<16 hex tag>}. Only the canonical form is accepted: lower-case hex,
 * the fence in decimal without leading zeros, the tag exactly 16 digits and never all zeros (a tag
 * of 0 means "no tag"). Whether an untagged receipt or a tag is acceptable is for the backend to
 * decide: an unknown or forged receipt is reported per receipt as {@code not_found}, while a
 * malformed one fails the request. The list keeps ids, fences and tags as primitive arrays so that
 * acknowledging a batch allocates nothing per message.
 */
public final class Receipts {
    private static final Receipts EMPTY = new Receipts(new long[0], new int[0], new long[0]);
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final String SHAPE = "a receipt looks like <16 hex digits>.<number>[.<16 hex digits>]";

    private final long[] ids;
    private final int[] fences;
    private final long[] tags;

    private Receipts(long[] ids, int[] fences, long[] tags) {
        this.ids = ids;
        this.fences = fences;
        this.tags = tags;
    }

    /** The receipts of these deliveries, in order. */
    public static Receipts of(List<Delivery> deliveries) {
        int n = deliveries.size();
        long[] ids = new long[n];
        int[] fences = new int[n];
        long[] tags = new long[n];
        for (int i = 0; i < n; i++) {
            Delivery d = deliveries.get(i);
            ids[i] = d.id();
            fences[i] = d.attempts();
            tags[i] = d.tag();
        }
        return new Receipts(ids, fences, tags);
    }

    /** A single untagged receipt. */
    public static Receipts of(long id, int fence) {
        return of(id, fence, 0);
    }

    /** A single receipt with a tag (0: none). */
    public static Receipts of(long id, int fence, long tag) {
        return new Receipts(new long[] {id}, new int[] {fence}, new long[] {tag});
    }

    /**
     * The receipts of several lists, one after the other, in order (a server merging acks that
     * arrived separately into one call).
     */
    public static Receipts concat(List<Receipts> parts) {
        int n = 0;
        for (Receipts r : parts) {
            n += r.ids.length;
        }
        long[] ids = new long[n];
        int[] fences = new int[n];
        long[] tags = new long[n];
        int at = 0;
        for (Receipts r : parts) {
            int k = r.ids.length;
            System.arraycopy(r.ids, 0, ids, at, k);
            System.arraycopy(r.fences, 0, fences, at, k);
            System.arraycopy(r.tags, 0, tags, at, k);
            at += k;
        }
        return new Receipts(ids, fences, tags);
    }

    /** An empty list. */
    public static Receipts empty() {
        return EMPTY;
    }

    /**
     * Parses the string forms given by a caller; only canonical forms are accepted.
     *
     * @param receipts receipts as strings
     * @param field the request field, for errors (indexes are appended)
     * @throws SpoolException {@link ErrorCode#INVALID_ARGUMENT} naming the first malformed receipt
     */
    public static Receipts parse(List<String> receipts, String field) {
        int n = receipts.size();
        long[] ids = new long[n];
        int[] fences = new int[n];
        long[] tags = new long[n];
        for (int i = 0; i < n; i++) {
            String r = receipts.get(i);
            String f = field + "[" + i + "]";
            if (r == null || r.length() < 18 || r.length() > 44 || r.charAt(16) != '.') {
                throw SpoolException.invalid(f, SHAPE);
            }
            ids[i] = hex(r, 0, f);
            int dot = r.indexOf('.', 17);
            int fenceEnd = dot < 0 ? r.length() : dot;
            fences[i] = fence(r, 17, fenceEnd, f);
            if (dot >= 0) {
                if (r.length() != dot + 17) {
                    throw SpoolException.invalid(f, SHAPE);
                }
                tags[i] = hex(r, dot + 1, f);
                if (tags[i] == 0) {
                    throw SpoolException.invalid(f, "a receipt tag is never all zeros");
                }
            }
        }
        return new Receipts(ids, fences, tags);
    }

    /** 16 lower-case hex digits at {@code from}. */
    private static long hex(String r, int from, String field) {
        long v = 0;
        for (int i = from; i < from + 16; i++) {
            char c = r.charAt(i);
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0) {
                throw SpoolException.invalid(field, SHAPE + " (lower-case hex)");
            }
            v = (v << 4) | d;
        }
        return v;
    }

    /** A decimal fence in {@code [from, to)}: digits only, no leading zero, at most Integer.MAX_VALUE. */
    private static int fence(String r, int from, int to, String field) {
        if (to == from || to - from > 10 || (r.charAt(from) == '0' && to - from > 1)) {
            throw SpoolException.invalid(field, SHAPE + " (the number without leading zeros)");
        }
        long fence = 0;
        for (int j = from; j < to; j++) {
            int d = r.charAt(j) - '0';
            if (d < 0 || d > 9) {
                throw SpoolException.invalid(field, SHAPE);
            }
            fence = fence * 10 + d;
        }
        if (fence > Integer.MAX_VALUE) {
            throw SpoolException.invalid(field, "receipt fence out of range");
        }
        return (int) fence;
    }

    /** The string form of one untagged receipt. */
    public static String format(long id, int fence) {
        return MessageIds.format(id) + "." + fence;
    }

    /** The string form of one receipt; a tag of 0 is left out. */
    public static String format(long id, int fence, long tag) {
        if (tag == 0) {
            return format(id, fence);
        }
        char[] t = new char[17];
        t[0] = '.';
        long v = tag;
        for (int i = 16; i >= 1; i--) {
            t[i] = HEX[(int) (v & 0xF)];
            v >>>= 4;
        }
        return format(id, fence) + new String(t);
    }

    /** Number of receipts. */
    public int size() {
        return ids.length;
    }

    /** Message id of receipt {@code i}. */
    public long id(int i) {
        return ids[i];
    }

    /** Fencing number of receipt {@code i}. */
    public int fence(int i) {
        return fences[i];
    }

    /** Tag of receipt {@code i}, or 0 when it has none. */
    public long tag(int i) {
        return tags[i];
    }

    /** String form of receipt {@code i}. */
    public String format(int i) {
        return format(ids[i], fences[i], tags[i]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Receipts r && Arrays.equals(ids, r.ids) && Arrays.equals(fences, r.fences)
                && Arrays.equals(tags, r.tags);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(ids) + Arrays.hashCode(fences)) + Arrays.hashCode(tags);
    }

    @Override
    public String toString() {
        return "Receipts[" + ids.length + "]";
    }
}
