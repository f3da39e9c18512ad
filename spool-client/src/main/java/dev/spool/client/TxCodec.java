package dev.spool.client;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;

import dev.spool.api.BrokerLimits;
import dev.spool.api.LockChecks;
import dev.spool.api.LockFence;
import dev.spool.api.LockLease;
import dev.spool.api.SpoolException;
import dev.spool.api.TxOp;
import dev.spool.api.TxResult;

/** The JSON of {@code POST /v1/tx}: one object per op with the fields of its endpoint's body. */
final class TxCodec {
    private TxCodec() {
    }

    /**
     * The request body; lock ops are checked first (as the broker checks them), so that a bad one
     * fails with its field and op index before anything is sent.
     */
    static Buffer body(List<TxOp> ops, BrokerLimits limits) {
        Set<String> acquired = new HashSet<>();
        for (int i = 0; i < ops.size(); i++) {
            try {
                switch (ops.get(i)) {
                    case TxOp.OnLock l -> LockChecks.txOp(l, acquired, limits);
                    case TxOp.OnQueue q -> {
                        // queue ops are checked by the server
                    }
                }
            } catch (SpoolException e) {
                throw e.atOp(i);
            }
        }
        return JsonCodec.write(g -> write(g, ops));
    }

    /** Writes a fence; {@link LockFence#TX_ACQUIRED} is written as no fence at all. */
    private static void writeFence(JsonGenerator g, LockFence f) throws IOException {
        if (f.txAcquired()) {
            return;
        }
        g.writeStringField("lease_id", f.leaseId());
        g.writeNumberField("token", f.token());
    }

    static void write(JsonGenerator g, List<TxOp> ops) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("ops");
        for (TxOp op : ops) {
            g.writeStartObject();
            switch (op) {
                case TxOp.Push p -> {
                    g.writeStringField("op", "push");
                    g.writeStringField("queue", p.queue());
                    JsonCodec.writeMessages(g, p.messages());
                }
                case TxOp.Ack a -> {
                    g.writeStringField("op", "ack");
                    g.writeStringField("queue", a.queue());
                    RequestCodec.ack(g, a.request());
                }
                case TxOp.Nack n -> {
                    g.writeStringField("op", "nack");
                    g.writeStringField("queue", n.queue());
                    RequestCodec.nack(g, n.request());
                }
                case TxOp.Extend x -> {
                    g.writeStringField("op", "extend");
                    g.writeStringField("queue", x.queue());
                    RequestCodec.extend(g, x.request());
                }
                case TxOp.LockAcquire l -> {
                    g.writeStringField("op", "acquire");
                    g.writeStringField("lock", l.lock());
                    g.writeStringField("owner", l.request().owner());
                    g.writeNumberField("ttl_ms", l.request().ttlMs());
                }
                case TxOp.LockStatePut l -> {
                    g.writeStringField("op", "lock_state");
                    g.writeStringField("lock", l.lock());
                    writeFence(g, l.write().fence());
                    if (l.write().ifVersion().isPresent()) {
                        g.writeNumberField("if_version", l.write().ifVersion().getAsLong());
                    }
                    g.writeStringField("content_type", l.write().contentType());
                    g.writeStringField("payload_base64",
                            Base64.getEncoder().encodeToString(l.write().payload().toBytes()));
                }
                case TxOp.LockRelease l -> {
                    g.writeStringField("op", "release");
                    g.writeStringField("lock", l.lock());
                    writeFence(g, l.fence());
                }
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    static TxResult read(JsonNode reply, int ops) {
        List<long[]> out = new ArrayList<>(ops);
        Map<Integer, LockLease> leases = new HashMap<>();
        JsonNode results = reply.path("results");
        for (int i = 0; i < ops; i++) {
            JsonNode r = results.path(i);
            out.add(r.has("ids") ? JsonCodec.ids(r) : new long[0]);
            if (r.has("lease_id")) {
                leases.put(i, LockCalls.lease(r));
            }
        }
        return new TxResult(out, leases);
    }
}
