package dev.spool.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;

import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.GroupInfo;
import dev.spool.api.MessageBody;
import dev.spool.api.MessageIds;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.Names;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.Payload;
import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;
import dev.spool.api.QueueStats;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.RetryBackoff;
import dev.spool.api.SpoolException;
import dev.spool.api.StartPosition;
import dev.spool.api.TaskResult;

/**
 * The JSON of API v1 as the client writes and reads it ({@code docs/api.md}). Requests are written
 * with a streaming generator straight into a Vert.x buffer; replies are read as trees.
 *
 * <p>Payloads are sent as {@code payload_base64} with their content type, so the bytes a caller
 * gives are the bytes stored, except an in-memory {@code application/json} payload that is exactly
 * one well-formed JSON value: it is written as {@code payload}, the caller's bytes as they are
 * (the server slices them out of the frame and stores them byte for byte, so neither side encodes
 * or decodes base64). Bytes that do not parse as one value go as {@code payload_base64}, so they
 * can never change the frame around them, and the server refuses them as it always did. Payloads
 * come back as {@code payload} (JSON, the stored bytes) or {@code payload_base64}.
 */
final class JsonCodec {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory FACTORY = MAPPER.getFactory();

    private JsonCodec() {
    }

    /** Writes a JSON document into a fresh buffer. */
    interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    static Buffer write(Writer w) {
        BufferOutput out = new BufferOutput();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            w.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.buffer;
    }

    static String writeString(Writer w) {
        return write(w).toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    static JsonNode read(Buffer b) {
        try {
            return b.length() == 0 ? MAPPER.createObjectNode() : MAPPER.readTree(b.getBytes());
        } catch (IOException e) {
            throw new SpoolException(ErrorCode.INTERNAL, "the server sent a reply that is not JSON: " + e.getMessage());
        }
    }

    static JsonNode read(String s) {
        try {
            return MAPPER.readTree(s);
        } catch (IOException e) {
            throw new SpoolException(ErrorCode.INTERNAL, "the server sent a frame that is not JSON: " + e.getMessage());
        }
    }

    // ---- requests ----

    static void writeMessages(JsonGenerator g, List<NewMessage> messages) throws IOException {
        g.writeArrayFieldStart("messages");
        for (int i = 0, n = messages.size(); i < n; i++) {
            writeMessage(g, messages.get(i));
        }
        g.writeEndArray();
    }

    static void writeMessage(JsonGenerator g, NewMessage m) throws IOException {
        MessageBody b = m.body();
        g.writeStartObject();
        String json = MessageBody.JSON.equals(b.contentType()) && b.payload() instanceof Payload.Inline in
                ? oneJsonValue(in.bytes()) : null;
        if (json != null) {
            g.writeFieldName("payload");
            g.writeRawValue(json);
        } else {
            g.writeFieldName("payload_base64");
            writeBytes(g, b.payload());
            if (!MessageBody.OCTET_STREAM.equals(b.contentType())) {
                g.writeStringField("content_type", b.contentType());
            }
        }
        if (b.key().isPresent()) {
            g.writeStringField("key", b.key().get());
        }
        if (b.priority() != 0) {
            g.writeNumberField("priority", b.priority());
        }
        if (!b.headers().isEmpty()) {
            g.writeObjectFieldStart("headers");
            for (Map.Entry<String, String> h : b.headers().entrySet()) {
                g.writeStringField(h.getKey(), h.getValue());
            }
            g.writeEndObject();
        }
        if (b.traceparent().isPresent()) {
            g.writeStringField("traceparent", b.traceparent().get());
        }
        if (m.delayMs() != 0) {
            g.writeNumberField("delay_ms", m.delayMs());
        }
        if (m.notBeforeMs() != 0) {
            g.writeNumberField("not_before", m.notBeforeMs());
        }
        if (m.ttlMs() != 0) {
            g.writeNumberField("ttl_ms", m.ttlMs());
        }
        if (m.dedupId().isPresent()) {
            g.writeStringField("dedup_id", m.dedupId().get());
        }
        g.writeEndObject();
    }

    /**
     * The text of {@code bytes} if they are valid UTF-8 holding exactly one well-formed JSON value
     * with nothing around it (not even whitespace, which the server would not keep); else null.
     * Only such bytes may be written into a frame as they are, and they are stored unchanged.
     */
    static String oneJsonValue(byte[] bytes) {
        int n = bytes.length;
        if (n == 0 || isJsonSpace(bytes[0]) || isJsonSpace(bytes[n - 1])) {
            return null;
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
        try (JsonParser p = FACTORY.createParser(text)) {
            if (p.nextToken() == null) {
                return null;
            }
            p.skipChildren(); // the strings skipped are still checked (quotes, escapes, control characters)
            return p.nextToken() == null ? text : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean isJsonSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    private static void writeBytes(JsonGenerator g, Payload p) throws IOException {
        if (p instanceof Payload.Inline in) {
            g.writeBinary(in.bytes());
        } else {
            try (var s = p.openStream()) {
                g.writeBinary(s, (int) Math.min(Integer.MAX_VALUE, p.size()));
            }
        }
    }

    static void writeReceipts(JsonGenerator g, Receipts r) throws IOException {
        g.writeArrayFieldStart("receipts");
        for (int i = 0, n = r.size(); i < n; i++) {
            g.writeString(r.format(i));
        }
        g.writeEndArray();
    }

    static void writeResult(JsonGenerator g, TaskResult r) throws IOException {
        g.writeFieldName("result_base64");
        writeBytes(g, r.payload());
        g.writeStringField("result_content_type", r.contentType());
    }

    static void writeConfig(JsonGenerator g, QueueConfig c) throws IOException {
        g.writeStartObject();
        g.writeNumberField("visibility_timeout_ms", c.visibilityTimeoutMs());
        g.writeNumberField("max_attempts", c.maxAttempts());
        if (c.deadLetterQueue().isPresent()) {
            g.writeStringField("dead_letter_queue", c.deadLetterQueue().get());
        } else {
            g.writeNullField("dead_letter_queue");
        }
        RetryBackoff b = c.retryBackoff();
        g.writeObjectFieldStart("retry_backoff");
        g.writeNumberField("initial_ms", b.initialMs());
        g.writeNumberField("max_ms", b.maxMs());
        g.writeNumberField("multiplier", b.multiplier());
        g.writeBooleanField("jitter", b.jitter());
        g.writeEndObject();
        g.writeNumberField("retention_ms", c.retentionMs());
        g.writeNumberField("message_ttl_ms", c.messageTtlMs());
        g.writeNumberField("max_message_bytes", c.maxMessageBytes());
        g.writeNumberField("dedup_window_ms", c.dedupWindowMs());
        g.writeNumberField("result_ttl_ms", c.resultTtlMs());
        g.writeBooleanField("encrypted", c.encrypted());
        g.writeObjectFieldStart("attributes");
        for (Map.Entry<String, String> e : c.attributes().entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    static void writeStart(JsonGenerator g, StartPosition s) throws IOException {
        if (s instanceof StartPosition.At at) {
            g.writeNumberField("start", at.epochMs());
        } else {
            g.writeStringField("start", s.wire());
        }
    }

    // ---- replies ----

    /** The server's error of a reply with status 400 or more. */
    static SpoolException error(Transport.Reply r) {
        OptionalLong retry = OptionalLong.empty();
        String ra = r.headers().get("Retry-After");
        if (ra != null) {
            try {
                retry = OptionalLong.of(Long.parseLong(ra.trim()) * 1000);
            } catch (NumberFormatException e) {
                retry = OptionalLong.empty();
            }
        }
        JsonNode e = null;
        try {
            e = r.body().length() == 0 ? null : MAPPER.readTree(r.body().getBytes()).get("error");
        } catch (IOException ignored) {
            e = null; // not our JSON (a proxy's page): fall back to the status below
        }
        if (e == null || !e.isObject()) {
            return SpoolException.fromWire(byStatus(r.status()), "HTTP " + r.status() + " from the server",
                    Optional.empty(), OptionalInt.empty(), retry);
        }
        return fromWire(e, retry);
    }

    /** An error object of the API ({@code {"code","message","field"?,"op_index"?}}). */
    static SpoolException fromWire(JsonNode e, OptionalLong retry) {
        JsonNode field = e.get("field");
        JsonNode op = e.get("op_index");
        return SpoolException.fromWire(ErrorCode.fromId(e.path("code").asText("internal")),
                e.path("message").asText(""),
                field == null || field.isNull() ? Optional.empty() : Optional.of(field.asText()),
                op == null || !op.canConvertToInt() ? OptionalInt.empty() : OptionalInt.of(op.asInt()), retry);
    }

    private static ErrorCode byStatus(int status) {
        for (ErrorCode c : ErrorCode.values()) {
            if (c.httpStatus() == status) {
                return c;
            }
        }
        return status >= 500 ? ErrorCode.UNAVAILABLE : ErrorCode.BAD_REQUEST;
    }

    static long[] ids(JsonNode reply) {
        JsonNode a = reply.path("ids");
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = MessageIds.parse(a.get(i).asText(), "ids");
        }
        return out;
    }

    static List<Delivery> deliveries(JsonNode messages) {
        List<Delivery> out = new ArrayList<>(messages.size());
        for (JsonNode m : messages) {
            out.add(delivery(m));
        }
        return out;
    }

    static Delivery delivery(JsonNode m) {
        return new Delivery(MessageIds.parse(m.path("id").asText(), "id"), m.path("attempts").asInt(),
                m.path("enqueued_at").asLong(), m.path("lease_expires_at").asLong(), body(m),
                receiptTag(m.path("receipt").isTextual() ? m.path("receipt").asText() : null));
    }

    /** The tag of a receipt the server sent (0 when absent or untagged); the client never makes one up. */
    static long receiptTag(String receipt) {
        return receipt == null ? 0 : Receipts.parse(List.of(receipt), "receipt").tag(0);
    }

    static MessageBody body(JsonNode m) {
        String ct = m.path("content_type").asText(MessageBody.OCTET_STREAM);
        Payload p = payload(m, "payload");
        Map<String, String> headers = Map.of();
        JsonNode h = m.get("headers");
        if (h != null && h.size() > 0) {
            Map<String, String> map = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                map.put(e.getKey(), e.getValue().asText());
            }
            headers = map;
        }
        return new MessageBody(p == null ? Payload.EMPTY : p, ct, headers, text(m, "key"),
                m.path("priority").asInt(), text(m, "traceparent"));
    }

    /** The {@code name} or {@code name_base64} field as bytes, or null when neither is there. */
    private static Payload payload(JsonNode m, String name) {
        JsonNode b64 = m.get(name + "_base64");
        if (b64 != null && !b64.isNull()) {
            try {
                return Payload.of(b64.binaryValue());
            } catch (IOException e) {
                throw new SpoolException(ErrorCode.INTERNAL, "bad base64 from the server in " + name);
            }
        }
        JsonNode json = m.get(name);
        if (json != null) {
            try {
                return Payload.of(MAPPER.writeValueAsBytes(json));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return null;
    }

    private static Optional<String> text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
    }

    static Outcomes outcomes(JsonNode reply) {
        JsonNode a = reply.path("results");
        Outcomes.Builder b = Outcomes.builder(a.size());
        for (int i = 0; i < a.size(); i++) {
            String s = a.get(i).path("status").asText();
            b.set(i, switch (s) {
                case "ok" -> ReceiptOutcome.OK;
                case "stale" -> ReceiptOutcome.STALE;
                default -> ReceiptOutcome.NOT_FOUND;
            });
        }
        return b.build();
    }

    static MessageView view(JsonNode v) {
        Optional<TaskResult> result = Optional.empty();
        Payload r = payload(v, "result");
        if (r != null) {
            result = Optional.of(new TaskResult(r, v.path("result_content_type").asText(MessageBody.OCTET_STREAM)));
        }
        boolean hasBody = v.has("content_type");
        return new MessageView(MessageIds.parse(v.path("id").asText(), "id"), v.path("queue").asText(),
                v.path("group").asText(), MessageState.fromWire(v.path("state").asText(), "state"),
                v.path("attempts").asInt(), v.path("enqueued_at").asLong(), v.path("available_at").asLong(),
                text(v, "last_error"), result, hasBody ? Optional.of(body(v)) : Optional.empty());
    }

    static List<MessageView> views(JsonNode messages) {
        List<MessageView> out = new ArrayList<>(messages.size());
        for (JsonNode m : messages) {
            out.add(view(m));
        }
        return out;
    }

    static QueueInfo queue(JsonNode q) {
        String name = q.path("name").asText();
        List<GroupInfo> groups = new ArrayList<>();
        for (JsonNode g : q.path("groups")) {
            groups.add(group(g));
        }
        JsonNode push = q.path("push");
        return new QueueInfo(name, config(name, q.path("config")), q.path("created_at").asLong(),
                stats(q.path("stats")), groups,
                push.isObject() ? java.util.Optional.of(push.toString()) : java.util.Optional.empty());
    }

    static List<QueueInfo> queues(JsonNode reply) {
        List<QueueInfo> out = new ArrayList<>();
        for (JsonNode q : reply.path("queues")) {
            out.add(queue(q));
        }
        return out;
    }

    static QueueConfig config(String queue, JsonNode c) {
        QueueConfig d = QueueConfig.DEFAULTS;
        JsonNode b = c.path("retry_backoff");
        RetryBackoff rb = new RetryBackoff(b.path("initial_ms").asLong(d.retryBackoff().initialMs()),
                b.path("max_ms").asLong(d.retryBackoff().maxMs()),
                b.path("multiplier").asDouble(d.retryBackoff().multiplier()),
                b.path("jitter").asBoolean(d.retryBackoff().jitter()));
        String dlq = c.path("dead_letter_queue").asText(null);
        Optional<String> dl = dlq == null || dlq.equals(Names.defaultDeadLetterQueue(queue)) ? Optional.empty() : Optional.of(dlq);
        return new QueueConfig(c.path("visibility_timeout_ms").asLong(d.visibilityTimeoutMs()),
                c.path("max_attempts").asInt(d.maxAttempts()), dl, rb,
                c.path("retention_ms").asLong(d.retentionMs()), c.path("message_ttl_ms").asLong(d.messageTtlMs()),
                c.path("max_message_bytes").asLong(d.maxMessageBytes()),
                c.path("dedup_window_ms").asLong(d.dedupWindowMs()), c.path("result_ttl_ms").asLong(d.resultTtlMs()),
                c.path("encrypted").asBoolean(false), stringMap(c.path("attributes")));
    }

    private static Map<String, String> stringMap(JsonNode object) {
        Map<String, String> out = new java.util.TreeMap<>();
        object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    static QueueStats stats(JsonNode s) {
        return new QueueStats(s.path("ready").asLong(), s.path("delayed").asLong(), s.path("in_flight").asLong(),
                s.path("dead").asLong(), s.path("oldest_ready_age_ms").asLong());
    }

    static GroupInfo group(JsonNode g) {
        JsonNode start = g.path("start");
        StartPosition sp = start.isNumber() ? new StartPosition.At(start.asLong())
                : StartPosition.parse(start.asText("latest"), "start");
        JsonNode push = g.path("push");
        return new GroupInfo(g.path("name").asText(), sp, g.path("created_at").asLong(), stats(g.path("stats")),
                push.isObject() ? java.util.Optional.of(push.toString()) : java.util.Optional.empty());
    }

    static List<GroupInfo> groups(JsonNode reply) {
        List<GroupInfo> out = new ArrayList<>();
        for (JsonNode g : reply.path("groups")) {
            out.add(group(g));
        }
        return out;
    }

    /** An output stream appending to a Vert.x buffer, so the request body is never copied. */
    private static final class BufferOutput extends java.io.OutputStream {
        final Buffer buffer = Buffer.buffer(256);

        @Override
        public void write(int b) {
            buffer.appendByte((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            buffer.appendBytes(b, off, len);
        }
    }
}
