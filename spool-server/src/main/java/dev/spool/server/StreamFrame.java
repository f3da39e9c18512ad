package dev.spool.server;

import java.io.IOException;

import java.util.List;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import dev.spool.api.BrokerLimits;
import dev.spool.api.ErrorCode;
import dev.spool.api.Names;
import dev.spool.api.SpoolException;
import dev.spool.api.TxOp;
import dev.spool.server.security.Permission;
import dev.spool.server.security.Principal;
import dev.spool.server.security.Security;

/**
 * One client frame of a {@code /v1/stream} socket, read without building a tree.
 *
 * <p>A first streaming pass over the frame's UTF-8 bytes picks out the fields that route it
 * ({@code op}, {@code req}, {@code queue}, {@code sub}, {@code lock}, whether {@code credit} is
 * there) and skips everything else without materializing it. The op's own reader then parses the
 * frame a second time, straight into the values the broker takes ({@link #read}); JSON payloads
 * are sliced out of the frame's bytes as they came ({@link JsonIn#readRawValue}), never held as a
 * tree nor generated again. Fields may come in any order, which is why the routing fields are
 * found first. The same rules as before hold: a frame is one JSON object, {@code req} is a whole
 * number or a string of at most 64 characters, a repeated field counts by its last value.
 */
final class StreamFrame {
    private static final int MAX_REQ_CHARS = 64;

    private final byte[] bytes;
    /** Where the JSON frame lies in {@link #bytes}: all of it, or the stretch before an attachment. */
    private final int from;
    private final int length;
    /** The attachment of a binary frame that has one ({@link FrameAttachment}), else null. */
    private final FrameAttachment attachment;
    private String op;
    private Object req;
    private boolean badReq;
    private String queue;
    private String sub;
    private String lock;
    private boolean hasCredit;
    /** Whether every field is {@code op}, {@code req} or {@code ops} (what a {@code tx} frame may have). */
    private boolean onlyTxFields = true;
    private List<TxOp> txOps;

    private StreamFrame(byte[] bytes) {
        this.bytes = bytes;
        if (FrameAttachment.marked(bytes)) {
            this.from = FrameAttachment.HEAD;
            this.length = FrameAttachment.frameLength(bytes);
            this.attachment = FrameAttachment.of(bytes, length);
        } else {
            this.from = 0;
            this.length = bytes.length;
            this.attachment = null;
        }
    }

    /**
     * A frame from a WebSocket message (text or binary) holding UTF-8 JSON, or a binary message
     * holding the JSON and an attachment ({@link FrameAttachment}).
     */
    static StreamFrame of(byte[] utf8) {
        return of(utf8, null);
    }

    /**
     * The same, and when the frame is a {@code tx} whose {@code op} comes before its {@code ops},
     * the ops are read in the routing pass itself (with {@code limits}), so that a lock cycle's frame
     * is parsed once ({@link #txOps}). Should they fail to read, the frame is scanned again without
     * them and the op's own reader meets the same failure, with the frame's {@code req} known.
     */
    static StreamFrame of(byte[] utf8, BrokerLimits limits) {
        StreamFrame f = new StreamFrame(utf8);
        if (limits == null) {
            f.scan(null);
            return f;
        }
        try {
            f.scan(limits);
            return f;
        } catch (SpoolException | IllegalStateException e) {
            StreamFrame again = new StreamFrame(utf8);
            again.scan(null);
            return again;
        }
    }

    /**
     * The ops of a {@code tx} frame read in the routing pass, or null when they were not (the frame
     * is then read again, which reports its errors).
     */
    List<TxOp> txOps() {
        return onlyTxFields ? txOps : null;
    }

    private JsonParser parser() throws IOException {
        return Json.factory().createParser(bytes, from, length);
    }

    /** A reader over the frame's JSON, taking payloads from a fresh reading of its attachment. */
    private JsonIn reader(JsonParser p) {
        return new JsonIn(p, bytes, from, length).attach(attachment == null ? null : attachment.again());
    }

    private void scan(BrokerLimits limits) {
        try (JsonParser p = parser()) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new SpoolException(ErrorCode.BAD_REQUEST, "a frame is one JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                onlyTxFields &= "op".equals(name) || "req".equals(name) || "ops".equals(name);
                switch (name) {
                    case "ops" -> {
                        if (limits != null && "tx".equals(op) && txOps == null) {
                            txOps = TxRoutes.readOpArray(reader(p), limits);
                        } else {
                            // a second ops, or ops before op: the tx reader reads the frame again
                            onlyTxFields = false;
                            p.skipChildren();
                        }
                    }
                    case "op" -> op = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "req" -> readReq(p, v);
                    case "queue" -> queue = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "sub" -> sub = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "lock" -> lock = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "credit" -> {
                        hasCredit = true;
                        p.skipChildren();
                    }
                    default -> p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new SpoolException(ErrorCode.BAD_REQUEST, "a frame is one JSON object");
            }
        } catch (IOException e) {
            throw Errors.toSpool(e);
        }
    }

    private void readReq(JsonParser p, JsonToken v) throws IOException {
        req = null;
        badReq = false;
        if (v == JsonToken.VALUE_NULL) {
            return;
        }
        if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            req = p.getLongValue();
        } else if (v == JsonToken.VALUE_STRING && p.getTextLength() <= MAX_REQ_CHARS) {
            req = p.getText();
        } else {
            badReq = true;
            p.skipChildren();
        }
    }

    /** The {@code req} id to echo, or null; a malformed one is refused (and the error has no req). */
    Object req() {
        if (badReq) {
            throw SpoolException.invalid("req", "req is a whole number or a string of at most 64 characters");
        }
        return req;
    }

    /** The op; refused when absent or not a string, or when a frame other than {@code tx} has an attachment. */
    String op() {
        if (op == null) {
            throw SpoolException.invalid("op", "op is required");
        }
        if (attachment != null && !"tx".equals(op)) {
            throw SpoolException.invalid("op", "only a tx frame carries an attachment");
        }
        return op;
    }

    /** The checked queue name; refused when absent or not a string. */
    String queue() {
        if (queue == null) {
            throw SpoolException.invalid("queue", "queue is required");
        }
        return Names.checkQueue(queue, "queue");
    }

    /** The {@code sub} string, unchecked; null when absent or not a string. */
    String sub() {
        return sub;
    }

    /** The checked lock name; refused when absent or not a string. */
    String lock() {
        if (lock == null) {
            throw SpoolException.invalid("lock", "lock is required");
        }
        return Names.checkLock(lock, "lock");
    }

    boolean hasCredit() {
        return hasCredit;
    }

    /** Reads the frame's fields with a streaming reader; the reader skips the routing fields itself. */
    <T> T read(FrameReader<T> reader) {
        try (JsonParser p = parser()) {
            JsonIn in = reader(p);
            in.beginDocument("frame");
            return reader.read(in);
        } catch (IOException e) {
            throw Errors.toSpool(e);
        }
    }

    /** Reads a frame. */
    @FunctionalInterface
    interface FrameReader<T> {
        T read(JsonIn in) throws IOException;
    }

    /**
     * Checks a frame against the opener's permissions as they are now: on a revoked token
     * {@code onRevoked} runs (the session closes with 1008) and the refusal is thrown; a frame on a
     * queue or lock it may not use is refused like any failed frame. Returns the identity as it is
     * now (null when the server is open), for a {@code tx} frame's ops.
     */
    Principal authorize(Api api, Principal principal, Runnable onRevoked) {
        if (principal.kind() == Principal.Kind.OPEN) {
            return null;
        }
        Principal now;
        try {
            now = api.security.current(principal);
        } catch (SpoolException e) {
            onRevoked.run();
            throw e;
        }
        switch (op()) {
            case "push" -> Security.require(now, Permission.Action.PRODUCE, "queue", queue());
            case "subscribe", "ack", "nack", "extend" ->
                    Security.require(now, Permission.Action.CONSUME, "queue", queue());
            case "acquire", "keepalive", "release", "read_state" -> Security.require(now, Permission.Action.LOCK, "lock", lock());
            default -> {
                // credit and unsubscribe act on a subscription whose queue was checked when it was made;
                // a tx frame's ops are checked one by one once read
            }
        }
        return now;
    }
}
