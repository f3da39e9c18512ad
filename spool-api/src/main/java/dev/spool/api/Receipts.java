package dev.spool.api;

import java.util.Arrays;
import java.util.List;

/**
 * A compact, immutable list of receipts, as passed to ack, nack and extend.
 *
 * <p>A receipt names one delivery: the message id and the delivery's fencing number, which grows
 * with every delivery of that message. Its string form is {@code <16 hex id>.<fence>}. The list
 * keeps both as primitive arrays so that acknowledging a batch allocates nothing per message.
 */
public final class Receipts {
    private static final Receipts EMPTY = new Receipts(new long[0], new int[0]);

    private final long[] ids;
    private final int[] fences;

    private Receipts(long[] ids, int[] fences) {
        this.ids = ids;
        this.fences = fences;
    }

    /** The receipts of these deliveries, in order. */
    public static Receipts of(List<Delivery> deliveries) {
        int n = deliveries.size();
        long[] ids = new long[n];
        int[] fences = new int[n];
        for (int i = 0; i < n; i++) {
            Delivery d = deliveries.get(i);
            ids[i] = d.id();
            fences[i] = d.attempts();
        }
        return new Receipts(ids, fences);
    }

    /** A single receipt. */
    public static Receipts of(long id, int fence) {
        return new Receipts(new long[] {id}, new int[] {fence});
    }

    /** An empty list. */
    public static Receipts empty() {
        return EMPTY;
    }

    /**
     * Parses the string forms given by a caller.
     *
     * @param receipts receipts as strings
     * @param field the request field, for errors (indexes are appended)
     * @throws SpoolException {@link ErrorCode#INVALID_ARGUMENT} naming the first malformed receipt
     */
    public static Receipts parse(List<String> receipts, String field) {
        int n = receipts.size();
        long[] ids = new long[n];
        int[] fences = new int[n];
        for (int i = 0; i < n; i++) {
            String r = receipts.get(i);
            String f = field + "[" + i + "]";
            if (r == null || r.length() < 18 || r.length() > 27 || r.charAt(16) != '.') {
                throw SpoolException.invalid(f, "a receipt looks like <16 hex digits>.<number>");
            }
            ids[i] = MessageIds.parseHex(r, 0, 16, f);
            long fence = 0;
            for (int j = 17; j < r.length(); j++) {
                int d = r.charAt(j) - '0';
                if (d < 0 || d > 9) {
                    throw SpoolException.invalid(f, "a receipt looks like <16 hex digits>.<number>");
                }
                fence = fence * 10 + d;
            }
            if (fence > Integer.MAX_VALUE) {
                throw SpoolException.invalid(f, "receipt fence out of range");
            }
            fences[i] = (int) fence;
        }
        return new Receipts(ids, fences);
    }

    /** The string form of one receipt. */
    public static String format(long id, int fence) {
        return MessageIds.format(id) + "." + fence;
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

    /** String form of receipt {@code i}. */
    public String format(int i) {
        return format(ids[i], fences[i]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Receipts r && Arrays.equals(ids, r.ids) && Arrays.equals(fences, r.fences);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + Arrays.hashCode(fences);
    }

    @Override
    public String toString() {
        return "Receipts[" + ids.length + "]";
    }
}
