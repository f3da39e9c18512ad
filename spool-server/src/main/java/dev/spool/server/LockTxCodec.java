package dev.spool.server;

import java.io.IOException;
import java.util.OptionalLong;

import dev.spool.api.LockFence;
import dev.spool.api.LockStateWrite;
import dev.spool.api.MessageBody;
import dev.spool.api.Names;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;
import dev.spool.api.TxOp;

/**
 * The lock ops of {@code POST /v1/tx}:
 * {@code {"op":"acquire","lock":n,"owner","ttl_ms","wait_ms"?}},
 * {@code {"op":"lock_state","lock":n,"lease_id","token","if_version"?,"payload"|"payload_base64"|"payload_bytes","content_type"?}}
 * and {@code {"op":"release","lock":n,"lease_id","token"}}. A {@code lock_state} or {@code release}
 * without {@code lease_id} and {@code token} acts with the lease of an earlier {@code acquire} of the
 * same lock in the transaction ({@link LockFence#TX_ACQUIRED}). As with messages, {@code payload} is any
 * JSON value stored as {@code application/json}, {@code payload_base64} bytes of any content type
 * ({@code application/octet-stream} unless {@code content_type} says otherwise), and so is
 * {@code payload_bytes}: that many bytes of a binary stream frame's attachment ({@link FrameAttachment}).
 */
final class LockTxCodec {
    private LockTxCodec() {
    }

    /**
     * Reads a lock op's fields up to the end of its object, {@code in} inside it (its {@code op},
     * already known, is skipped wherever it comes); errors name {@code ops[i].<field>} through
     * {@code prefix}. A {@code payload} is kept as the client wrote it ({@link JsonIn#readRawValue}).
     */
    static TxOp read(JsonIn in, String op, String prefix) throws IOException {
        if ("acquire".equals(op)) {
            return readAcquire(in, prefix);
        }
        boolean state = "lock_state".equals(op);
        String lock = null;
        String leaseId = null;
        long token = -1;
        OptionalLong ifVersion = OptionalLong.empty();
        byte[] json = null;
        byte[] base64 = null;
        byte[] attached = null;
        String contentType = null;
        String f;
        while ((f = in.nextField()) != null) {
            String field = prefix + f;
            if (in.isNull() && !"payload".equals(f)) {
                continue;
            }
            switch (f) {
                case "op" -> in.skip();
                case "lock" -> lock = in.readString(field);
                case "lease_id" -> leaseId = LockCodec.leaseId(in.readString(field), field);
                case "token" -> token = number(in, field, 1);
                case "if_version" -> ifVersion = OptionalLong.of(number(in, only(state, field), 0));
                case "payload" -> {
                    only(state, field);
                    json = in.readRawValue();
                }
                case "payload_base64" -> base64 = in.readBase64(only(state, field));
                case "payload_bytes" -> {
                    if (attached != null) {
                        throw SpoolException.invalid(field, "payload_bytes is given twice");
                    }
                    attached = in.readAttached(only(state, field));
                }
                case "content_type" -> contentType = in.readString(only(state, field));
                default -> throw SpoolException.invalid(field, "unknown field");
            }
        }
        lock = lock(lock, prefix);
        // neither lease_id nor token: the lease an earlier acquire op of this transaction takes
        LockFence fence = leaseId == null && token < 0 ? LockFence.TX_ACQUIRED
                : LockCodec.fence(leaseId, token, prefix + "lease_id", prefix + "token");
        if (!state) {
            return new TxOp.LockRelease(lock, fence);
        }
        int forms = (json != null ? 1 : 0) + (base64 != null ? 1 : 0) + (attached != null ? 1 : 0);
        if (forms > 1) {
            throw SpoolException.invalid(prefix + "payload", "give one of payload, payload_base64 and payload_bytes");
        }
        if (forms == 0) {
            throw SpoolException.invalid(prefix + "payload", "payload, payload_base64 or payload_bytes is required");
        }
        byte[] bytes = json != null ? json : base64 != null ? base64 : attached;
        String ct = contentType;
        if (json != null) {
            if (ct == null) {
                ct = MessageBody.JSON;
            } else if (!Json.isJsonMedia(ct)) {
                throw SpoolException.invalid(prefix + "content_type",
                        "a JSON payload is application/json; send other types as payload_base64");
            }
        } else if (ct == null) {
            ct = MessageBody.OCTET_STREAM;
        }
        return new TxOp.LockStatePut(lock, new LockStateWrite(fence, Payload.of(bytes), ct,
                ifVersion));
    }

    /** {@code {"op":"acquire","lock","owner","ttl_ms","wait_ms"?}}: owner and ttl_ms required, wait_ms only 0. */
    private static TxOp readAcquire(JsonIn in, String prefix) throws IOException {
        String lock = null;
        String owner = null;
        long ttl = -1;
        long wait = 0;
        String f;
        while ((f = in.nextField()) != null) {
            String field = prefix + f;
            if (in.isNull()) {
                continue;
            }
            switch (f) {
                case "op" -> in.skip();
                case "lock" -> lock = in.readString(field);
                case "owner" -> owner = in.readString(field);
                case "ttl_ms" -> ttl = number(in, field, 1);
                case "wait_ms" -> wait = number(in, field, 0);
                default -> throw SpoolException.invalid(field, "unknown field for an acquire");
            }
        }
        lock = lock(lock, prefix);
        if (owner == null) {
            throw SpoolException.invalid(prefix + "owner", "owner is required");
        }
        if (ttl < 0) {
            throw SpoolException.invalid(prefix + "ttl_ms", "ttl_ms is required");
        }
        return new TxOp.LockAcquire(lock, new dev.spool.api.LockRequest(owner, ttl, wait));
    }

    private static String lock(String lock, String prefix) {
        if (lock == null) {
            throw SpoolException.invalid(prefix + "lock", "lock is required");
        }
        return Names.checkLock(lock, prefix + "lock");
    }

    private static String only(boolean state, String field) {
        if (!state) {
            throw SpoolException.invalid(field, "unknown field for a release");
        }
        return field;
    }

    private static long number(JsonIn in, String field, long min) throws IOException {
        long n = in.readLong(field);
        if (n < min) {
            throw SpoolException.invalid(field, "must be at least " + min + ", got " + n);
        }
        return n;
    }
}
