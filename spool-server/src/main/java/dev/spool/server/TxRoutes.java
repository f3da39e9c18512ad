package dev.spool.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.BrokerLimits;
import dev.spool.api.Names;
import dev.spool.api.SpoolException;
import dev.spool.api.TxOp;
import dev.spool.api.TxResult;
import dev.spool.server.security.Permission;
import dev.spool.server.security.Principal;
import dev.spool.server.security.Security;

/**
 * {@code POST /v1/tx}: {@code {"ops":[{"op":"push"|"ack"|"nack"|"extend", "queue":..., ...}]}},
 * applied all or nothing. Each op takes the fields of its endpoint's body. A failure names the op
 * in {@code op_index} and the field as {@code ops[i].<field>}. Lock ops name a {@code lock} and
 * carry the holder's fence ({@link LockTxCodec}): {@code lock_state} writes the state document,
 * {@code release} frees the lock once the transaction commits.
 *
 * <p>Ops are read as a tree first because {@code op} may come after the fields it governs; the
 * tree is then read with the same streaming readers as the single endpoints.
 */
final class TxRoutes {
    private static final ObjectMapper MAPPER = new ObjectMapper(Json.factory());

    private final Api api;

    TxRoutes(Api api) {
        this.api = api;
    }

    void register(Router r) {
        r.route(HttpMethod.POST, "/v1/tx").handler(this::tx);
    }

    private void tx(RoutingContext rc) {
        Params.none(rc);
        Bodies.readJson(api, rc, body -> {
            @SuppressWarnings("unchecked")
            List<TxOp>[] ops = new List[1];
            Bodies.parse(body, in -> ops[0] = readOps(in, api.limits));
            List<TxOp> list = ops[0];
            authorize(api.security.principal(rc), list);
            api.reply(rc, api.broker.transact(list).exceptionally(e -> {
                throw attributed(Errors.toSpool(e));
            }), res -> {
                count(api, list);
                Api.json(rc.response(), 200, Json.render(g -> writeResult(g, list, res)));
            });
        });
    }

    /** Refuses the whole transaction if any op is not allowed; the error names the first such op. */
    static void authorize(Principal p, List<TxOp> ops) {
        for (int i = 0; i < ops.size(); i++) {
            TxOp op = ops.get(i);
            try {
                switch (op) {
                    case TxOp.Push x -> Security.require(p, Permission.Action.PRODUCE, "queue", x.queue());
                    case TxOp.Ack x -> Security.require(p, Permission.Action.CONSUME, "queue", x.queue());
                    case TxOp.Nack x -> Security.require(p, Permission.Action.CONSUME, "queue", x.queue());
                    case TxOp.Extend x -> Security.require(p, Permission.Action.CONSUME, "queue", x.queue());
                    case TxOp.OnLock x -> Security.require(p, Permission.Action.LOCK, "lock", x.lock());
                }
            } catch (SpoolException e) {
                throw at(e, i);
            }
        }
    }

    /** Counts a committed transaction's messages in the queue counters, as the single-op endpoints do. */
    static void count(Api api, List<TxOp> ops) {
        for (TxOp op : ops) {
            switch (op) {
                case TxOp.Push p -> api.metrics.queue(p.queue()).pushed.increment(p.messages().size());
                case TxOp.Ack a -> api.metrics.queue(a.queue()).acked.increment(a.request().receipts().size());
                case TxOp.Nack n -> api.metrics.queue(n.queue()).nacked.increment(n.request().receipts().size());
                case TxOp.Extend x -> {
                    // an extend moves no message
                }
                case TxOp.LockAcquire l -> api.metrics.locks().acquired.increment();
                case TxOp.LockStatePut l -> api.metrics.locks().stateWrites.increment();
                case TxOp.LockRelease l -> api.metrics.locks().released.increment();
            }
        }
    }

    /** Reads {@code {"ops":[...]}} from a tree (the stream's {@code tx} frame). */
    static List<TxOp> readOps(JsonNode body, BrokerLimits limits) {
        try (var parser = body.traverse(MAPPER)) {
            return readOps(new JsonIn(parser), limits);
        } catch (IOException e) {
            throw Errors.toSpool(e);
        }
    }

    static List<TxOp> readOps(JsonIn in, BrokerLimits limits) throws IOException {
        in.beginDocument("{\"ops\":[...]}");
        List<TxOp> ops = null;
        String f;
        while ((f = in.nextField()) != null) {
            if (!"ops".equals(f)) {
                throw JsonIn.unknown("", f);
            }
            in.expectArray("ops");
            ops = new ArrayList<>();
            while (in.next() != JsonToken.END_ARRAY) {
                if (ops.size() >= limits.maxTxOps()) {
                    throw SpoolException.invalid("ops", "at most " + limits.maxTxOps() + " ops per transaction");
                }
                ops.add(readOp(in, ops.size(), limits));
            }
        }
        in.endDocument();
        if (ops == null || ops.isEmpty()) {
            throw SpoolException.invalid("ops", "at least one op is needed");
        }
        return ops;
    }

    private static TxOp readOp(JsonIn outer, int i, BrokerLimits limits) throws IOException {
        String prefix = "ops[" + i + "].";
        outer.expectObject("ops[" + i + "]");
        JsonNode node = outer.readTree(MAPPER);
        String op = text(node, "op", prefix);
        if ("lock_state".equals(op) || "release".equals(op) || "acquire".equals(op)) {
            try {
                return LockTxCodec.read(node, op, prefix);
            } catch (SpoolException e) {
                throw at(e, i);
            }
        }
        String queue = Names.checkQueue(text(node, "queue", prefix), prefix + "queue");
        try (var parser = node.traverse(MAPPER)) {
            JsonIn in = new JsonIn(parser);
            in.beginDocument("op");
            return switch (op) {
                case "push" -> new TxOp.Push(queue, readPush(in, prefix, limits));
                case "ack" -> new TxOp.Ack(queue, receipts(in, ReceiptCodec.Kind.ACK, prefix, limits).ack());
                case "nack" -> new TxOp.Nack(queue, receipts(in, ReceiptCodec.Kind.NACK, prefix, limits).nack());
                case "extend" -> new TxOp.Extend(queue,
                        receipts(in, ReceiptCodec.Kind.EXTEND, prefix, limits).extend());
                default -> throw SpoolException.invalid(prefix + "op", "op is push, ack, nack, extend, acquire, lock_state or release");
            };
        } catch (SpoolException e) {
            throw at(e, i);
        }
    }

    private static List<dev.spool.api.NewMessage> readPush(JsonIn in, String prefix, BrokerLimits limits)
            throws IOException {
        List<dev.spool.api.NewMessage> messages = null;
        String f;
        while ((f = in.nextField()) != null) {
            switch (f) {
                case "op", "queue" -> in.skip();
                case "messages" -> messages = MessageCodec.readMessages(in, prefix + "messages", limits);
                default -> throw JsonIn.unknown(prefix.substring(0, prefix.length() - 1), f);
            }
        }
        if (messages == null) {
            throw SpoolException.invalid(prefix + "messages", "messages is required");
        }
        return messages;
    }

    private static ReceiptCodec.Parsed receipts(JsonIn in, ReceiptCodec.Kind kind, String prefix, BrokerLimits limits)
            throws IOException {
        return ReceiptCodec.readFields(in, kind, limits, prefix, f -> {
            if (!"op".equals(f) && !"queue".equals(f)) {
                throw JsonIn.unknown(prefix.substring(0, prefix.length() - 1), f);
            }
            in.skip();
        });
    }

    static String text(JsonNode node, String name, String prefix) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            throw SpoolException.invalid(prefix + name, name + " is required");
        }
        if (!v.isTextual()) {
            throw SpoolException.invalid(prefix + name, "must be a string");
        }
        return v.textValue();
    }

    /** The same failure, attributed to op {@code i}. */
    private static SpoolException at(SpoolException e, int i) {
        if (e.opIndex().isPresent()) {
            return e;
        }
        return SpoolException.fromWire(e.code(), "op " + i + ": " + e.getMessage(), e.field(), OptionalInt.of(i),
                e.retryAfterMs());
    }

    /** A broker failure of op i, with its field named as {@code ops[i].<field>}. */
    static SpoolException attributed(SpoolException e) {
        if (e.opIndex().isEmpty()) {
            return e;
        }
        int i = e.opIndex().getAsInt();
        String prefix = "ops[" + i + "]";
        Optional<String> field = Optional.of(e.field().map(f -> f.startsWith("ops[") ? f : prefix + "." + f)
                .orElse(prefix));
        return SpoolException.fromWire(e.code(), e.getMessage(), field, e.opIndex(), e.retryAfterMs());
    }

    private static void writeResult(com.fasterxml.jackson.core.JsonGenerator g, List<TxOp> ops, TxResult res)
            throws IOException {
        g.writeStartObject();
        writeResults(g, ops, res);
        g.writeEndObject();
    }

    /** Writes the {@code results} field: one object per op (the stream's {@code tx} reply has it too). */
    static void writeResults(com.fasterxml.jackson.core.JsonGenerator g, List<TxOp> ops, TxResult res)
            throws IOException {
        g.writeArrayFieldStart("results");
        for (int i = 0; i < ops.size(); i++) {
            TxOp op = ops.get(i);
            g.writeStartObject();
            g.writeStringField("op", switch (op) {
                case TxOp.Push p -> "push";
                case TxOp.Ack a -> "ack";
                case TxOp.Nack n -> "nack";
                case TxOp.Extend x -> "extend";
                case TxOp.LockAcquire l -> "acquire";
                case TxOp.LockStatePut l -> "lock_state";
                case TxOp.LockRelease l -> "release";
            });
            if (op instanceof TxOp.Push && i < res.pushedIds().size()) {
                PushRoutes.writeIdArray(g, res.pushedIds().get(i));
            }
            if (op instanceof TxOp.LockAcquire) {
                var lease = res.lease(i);
                if (lease.isPresent()) {
                    LockCodec.writeLeaseFields(g, lease.get());
                }
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
