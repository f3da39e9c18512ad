package dev.spool.server;

import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalLong;

import com.fasterxml.jackson.databind.JsonNode;

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
 * {@code {"op":"lock_state","lock":n,"lease_id","token","if_version"?,"payload"|"payload_base64","content_type"?}}
 * and {@code {"op":"release","lock":n,"lease_id","token"}}. A {@code lock_state} or {@code release}
 * without {@code lease_id} and {@code token} acts with the lease of an earlier {@code acquire} of the
 * same lock in the transaction ({@link LockFence#TX_ACQUIRED}). As with messages, {@code payload} is any
 * JSON value stored as {@code application/json}, {@code payload_base64} bytes of any content type
 * ({@code application/octet-stream} unless {@code content_type} says otherwise).
 */
final class LockTxCodec {
    private LockTxCodec() {
    }

    /** Reads a lock op from its tree; errors name {@code ops[i].<field>} through {@code prefix}. */
    static TxOp read(JsonNode node, String op, String prefix) {
        String lock = TxRoutes.text(node, "lock", prefix);
        Names.checkLock(lock, prefix + "lock");
        if ("acquire".equals(op)) {
            return readAcquire(node, lock, prefix);
        }
        boolean state = "lock_state".equals(op);
        String leaseId = null;
        long token = -1;
        OptionalLong ifVersion = OptionalLong.empty();
        byte[] json = null;
        byte[] base64 = null;
        String contentType = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String f = e.getKey();
            JsonNode v = e.getValue();
            String field = prefix + f;
            if (v.isNull() && !"payload".equals(f)) {
                continue;
            }
            switch (f) {
                case "op", "lock" -> { }
                case "lease_id" -> leaseId = LockCodec.leaseId(string(v, field), field);
                case "token" -> token = number(v, field, 1);
                case "if_version" -> ifVersion = OptionalLong.of(number(only(state, field, v), field, 0));
                case "payload" -> json = only(state, field, v).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                case "payload_base64" -> base64 = decode(string(only(state, field, v), field), field);
                case "content_type" -> contentType = string(only(state, field, v), field);
                default -> throw SpoolException.invalid(field, "unknown field");
            }
        }
        // neither lease_id nor token: the lease an earlier acquire op of this transaction takes
        LockFence fence = leaseId == null && token < 0 ? LockFence.TX_ACQUIRED
                : LockCodec.fence(leaseId, token, prefix + "lease_id", prefix + "token");
        if (!state) {
            return new TxOp.LockRelease(lock, fence);
        }
        if (json != null && base64 != null) {
            throw SpoolException.invalid(prefix + "payload", "give payload or payload_base64, not both");
        }
        if (json == null && base64 == null) {
            throw SpoolException.invalid(prefix + "payload", "payload or payload_base64 is required");
        }
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
        return new TxOp.LockStatePut(lock, new LockStateWrite(fence, Payload.of(json != null ? json : base64), ct,
                ifVersion));
    }

    /** {@code {"op":"acquire","lock","owner","ttl_ms","wait_ms"?}}: owner and ttl_ms required, wait_ms only 0. */
    private static TxOp readAcquire(JsonNode node, String lock, String prefix) {
        String owner = null;
        long ttl = -1;
        long wait = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String f = e.getKey();
            JsonNode v = e.getValue();
            String field = prefix + f;
            if (v.isNull()) {
                continue;
            }
            switch (f) {
                case "op", "lock" -> { }
                case "owner" -> owner = string(v, field);
                case "ttl_ms" -> ttl = number(v, field, 1);
                case "wait_ms" -> wait = number(v, field, 0);
                default -> throw SpoolException.invalid(field, "unknown field for an acquire");
            }
        }
        if (owner == null) {
            throw SpoolException.invalid(prefix + "owner", "owner is required");
        }
        if (ttl < 0) {
            throw SpoolException.invalid(prefix + "ttl_ms", "ttl_ms is required");
        }
        return new TxOp.LockAcquire(lock, new dev.spool.api.LockRequest(owner, ttl, wait));
    }

    private static JsonNode only(boolean state, String field, JsonNode v) {
        if (!state) {
            throw SpoolException.invalid(field, "unknown field for a release");
        }
        return v;
    }

    private static String string(JsonNode v, String field) {
        if (!v.isTextual()) {
            throw SpoolException.invalid(field, "must be a string");
        }
        return v.textValue();
    }

    private static long number(JsonNode v, String field, long min) {
        if (!v.isIntegralNumber()) {
            throw SpoolException.invalid(field, v.isNumber() ? "must be a whole number" : "must be a number");
        }
        if (!v.canConvertToLong()) {
            throw SpoolException.invalid(field, "number out of range");
        }
        long n = v.longValue();
        if (n < min) {
            throw SpoolException.invalid(field, "must be at least " + min + ", got " + n);
        }
        return n;
    }

    private static byte[] decode(String s, String field) {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw SpoolException.invalid(field, "not valid base64");
        }
    }
}
