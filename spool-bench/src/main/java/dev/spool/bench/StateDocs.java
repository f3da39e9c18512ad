package dev.spool.bench;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The state documents of {@code spool bench locks}: random bytes ({@code --state bytes}), or a JSON
 * object of exactly the asked size ({@code --state json}) shaped like a lockd state document (a
 * holder, a sequence number and a list of small records), which travels in a stream frame as the
 * JSON it is rather than as base64.
 */
final class StateDocs {
    private static final String HEAD = "{\"holder\":\"bench\",\"seq\":0,\"items\":[";
    private static final String TAIL = "],\"pad\":\"\"}";

    private StateDocs() {
    }

    /** {@code size} random bytes. */
    static byte[] bytes(int size) {
        byte[] b = new byte[size];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    /**
     * A JSON object of exactly {@code size} UTF-8 bytes (at least {@value #MIN_JSON}): records
     * {@code {"id":i,"name":"item-i","value":"<16 hex digits>"}} while they fit, then a padding string.
     */
    static byte[] json(int size) {
        if (size < HEAD.length() + TAIL.length()) {
            throw new IllegalArgumentException("a JSON state is at least " + MIN_JSON + " bytes");
        }
        StringBuilder sb = new StringBuilder(size).append(HEAD);
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0;; i++) {
            String item = (i == 0 ? "" : ",") + "{\"id\":" + i + ",\"name\":\"item-" + i + "\",\"value\":\""
                    + String.format("%016x", r.nextLong()) + "\"}";
            if (sb.length() + item.length() + TAIL.length() > size) {
                break;
            }
            sb.append(item);
        }
        int pad = size - sb.length() - TAIL.length();
        sb.append("],\"pad\":\"").append("x".repeat(pad)).append("\"}");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The smallest JSON state {@link #json} makes: {@code HEAD} and {@code TAIL} with nothing between. */
    static final int MIN_JSON = 46;
}
