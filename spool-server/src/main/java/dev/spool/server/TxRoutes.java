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
 * <p>{@code op} may come after the fields it governs: see {@link #readOp} for how each op is read.
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

    static List<TxOp> readOps(JsonIn in, BrokerLimits limits) throws IOException {
        in.beginDocument("{\"ops\":[...]}");
        List<TxOp> ops = null;
        String f;
        while ((f = in.nextField()) != null) {
            if (!"ops".equals(f)) {
                throw JsonIn.unknown("", f);
            }
            ops = readOpArray(in, limits);
        }
        in.endDocument();
        return required(ops);
    }

    /** The ops of a transaction: refused when absent ({@code null}) or empty. */
    static List<TxOp> required(List<TxOp> ops) {
        if (ops == null || ops.isEmpty()) {
            throw SpoolException.invalid("ops", "at least one op is needed");
        }
        return ops;
    }

    /**
     * Reads the value of {@code ops}, an array of op objects (the body's and the stream {@code tx}
     * frame's); a binary frame's attachment must be taken whole by the ops' {@code payload_bytes}.
     */
    static List<TxOp> readOpArray(JsonIn in, BrokerLimits limits) throws IOException {
        in.expectArray("ops");
        List<TxOp> ops = new ArrayList<>();
        while (in.next() != JsonToken.END_ARRAY) {
            if (ops.size() >= limits.maxTxOps()) {
                throw SpoolException.invalid("ops", "at most " + limits.maxTxOps() + " ops per transaction");
            }
            ops.add(readOp(in, ops.size(), limits));
        }
        in.endAttachment("ops");
        return ops;
    }

    /**
     * One op object. The reader depends on {@code op}, which may come after the fields it governs:
     * an object that begins with {@code "op"} is read in one pass; any other is skipped, its
     * {@code op} found, and read again from its bytes (from a tree when the input is not one byte
     * array). Every path reads JSON payloads as the client wrote them when the input is bytes.
     */
    private static TxOp readOp(JsonIn outer, int i, BrokerLimits limits) throws IOException {
        String prefix = "ops[" + i + "].";
        outer.expectObject("ops[" + i + "]");
        try {
            if (outer.objectStartsWith("op")) {
                outer.nextField();
                return readOpFields(outer, opName(outer, prefix), prefix, limits);
            }
            JsonIn.Slice slice = outer.skipObject();
            if (slice == null) {
                JsonNode node = outer.readTree(MAPPER);
                String op = text(node, "op", prefix);
                try (var parser = node.traverse(MAPPER)) {
                    JsonIn in = new JsonIn(parser);
                    in.beginDocument("op");
                    return readOpFields(in, op, prefix, limits);
                }
            }
            String op = findOp(slice, prefix);
            try (var parser = slice.parser()) {
                JsonIn in = slice.reader(parser);
                in.beginDocument("op");
                return readOpFields(in, op, prefix, limits);
            }
        } catch (SpoolException e) {
            throw at(e, i);
        }
    }

    /** The {@code op} of an op object whose fields come in any order. */
    private static String findOp(JsonIn.Slice slice, String prefix) throws IOException {
        String op = null;
        try (var parser = slice.parser()) {
            JsonIn in = slice.reader(parser);
            in.beginDocument("op");
            String f;
            while ((f = in.nextField()) != null) {
                if ("op".equals(f)) {
                    op = in.isNull() ? null : opName(in, prefix);
                } else {
                    in.skip();
                }
            }
        }
        if (op == null) {
            throw SpoolException.invalid(prefix + "op", "op is required");
        }
        return op;
    }

    private static String opName(JsonIn in, String prefix) throws IOException {
        if (in.isNull()) {
            throw SpoolException.invalid(prefix + "op", "op is required");
        }
        return in.readString(prefix + "op");
    }

    /** Reads an op's fields with {@code in} inside its object ({@code op} may come again; it is skipped). */
    private static TxOp readOpFields(JsonIn in, String op, String prefix, BrokerLimits limits) throws IOException {
        return switch (op) {
            case "acquire", "lock_state", "release" -> LockTxCodec.read(in, op, prefix);
            case "push" -> readPush(in, prefix, limits);
            case "ack", "nack", "extend" -> readReceiptOp(in, op, prefix, limits);
            default -> throw SpoolException.invalid(prefix + "op",
                    "op is push, ack, nack, extend, acquire, lock_state or release");
        };
    }

    private static TxOp.Push readPush(JsonIn in, String prefix, BrokerLimits limits) throws IOException {
        List<dev.spool.api.NewMessage> messages = null;
        String queue = null;
        String f;
        while ((f = in.nextField()) != null) {
            switch (f) {
                case "op" -> in.skip();
                case "queue" -> queue = in.isNull() ? null : in.readString(prefix + "queue");
                case "messages" -> messages = MessageCodec.readMessages(in, prefix + "messages", limits);
                default -> throw JsonIn.unknown(prefix.substring(0, prefix.length() - 1), f);
            }
        }
        String q = queue(queue, prefix);
        if (messages == null) {
            throw SpoolException.invalid(prefix + "messages", "messages is required");
        }
        return new TxOp.Push(q, messages);
    }

    private static TxOp readReceiptOp(JsonIn in, String op, String prefix, BrokerLimits limits) throws IOException {
        ReceiptCodec.Kind kind = switch (op) {
            case "ack" -> ReceiptCodec.Kind.ACK;
            case "nack" -> ReceiptCodec.Kind.NACK;
            default -> ReceiptCodec.Kind.EXTEND;
        };
        String[] queue = {null};
        ReceiptCodec.Parsed p = ReceiptCodec.readFields(in, kind, limits, prefix, f -> {
            switch (f) {
                case "op" -> in.skip();
                case "queue" -> queue[0] = in.isNull() ? null : in.readString(prefix + "queue");
                default -> throw JsonIn.unknown(prefix.substring(0, prefix.length() - 1), f);
            }
        });
        String q = queue(queue[0], prefix);
        return switch (kind) {
            case ACK -> new TxOp.Ack(q, p.ack());
            case NACK -> new TxOp.Nack(q, p.nack());
            case EXTEND -> new TxOp.Extend(q, p.extend());
        };
    }

    private static String queue(String queue, String prefix) {
        if (queue == null) {
            throw SpoolException.invalid(prefix + "queue", "queue is required");
        }
        return Names.checkQueue(queue, prefix + "queue");
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
