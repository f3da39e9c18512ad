package dev.spool.server;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import dev.spool.api.BrokerLimits;
import dev.spool.api.Delivery;
import dev.spool.api.MessageBody;
import dev.spool.api.MessageView;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;
import dev.spool.api.TaskResult;
import dev.spool.api.Validation;

/**
 * JSON of messages: the push form read from {@code {"messages":[...]}} and the delivery and task
 * view forms written back.
 *
 * <p>Payloads: {@code payload} holds any JSON value and means content type {@code application/json};
 * {@code payload_base64} holds bytes of any content type. A message comes back in the form it came
 * in: JSON payloads as {@code payload}, everything else as {@code payload_base64}. To keep that
 * promise, {@code payload_base64} declared as {@code application/json} must hold valid JSON.
 */
final class MessageCodec {
    private static final int CHUNK = 64 * 1024;

    private MessageCodec() {
    }

    /** Reads the array value of {@code field} as messages to push, validated. */
    static List<NewMessage> readMessages(JsonIn in, String field, BrokerLimits limits) throws IOException {
        in.expectArray(field);
        List<NewMessage> out = new ArrayList<>();
        while (in.next() != JsonToken.END_ARRAY) {
            if (out.size() >= limits.maxBatch()) {
                throw SpoolException.invalid(field, "at most " + limits.maxBatch() + " messages per request");
            }
            out.add(readMessage(in, field + "[" + out.size() + "]"));
        }
        Validation.messages(out, limits, field);
        return out;
    }

    /** Reads one message object (the current value). */
    static NewMessage readMessage(JsonIn in, String f) throws IOException {
        in.expectObject(f);
        MessageFields m = new MessageFields();
        String name;
        while ((name = in.nextField()) != null) {
            String field = f + "." + name;
            if (in.isNull() && !"payload".equals(name)) {
                continue;
            }
            switch (name) {
                case "payload" -> m.json = in.readRawValue();
                case "payload_base64" -> m.base64 = in.readBase64(field);
                case "content_type" -> m.contentType = in.readString(field);
                case "key" -> m.key = in.readString(field);
                case "priority" -> m.priority = in.readInt(field, 0, Validation.MAX_PRIORITY);
                case "delay_ms" -> m.delayMs = in.readLong(field, 0, Validation.MAX_DELAY_MS);
                case "not_before" -> m.notBefore = readInstant(in, field);
                case "ttl_ms" -> m.ttlMs = in.readLong(field, 0, Validation.MAX_RETENTION_MS);
                case "headers" -> m.headers = in.readStringMap(field, Validation.MAX_HEADERS);
                case "dedup_id" -> m.dedupId = in.readString(field);
                case "traceparent" -> m.traceparent = in.readString(field);
                case "tracestate" -> m.tracestate = in.readString(field);
                default -> throw JsonIn.unknown(f, name);
            }
        }
        NewMessage msg = m.build(f);
        Validation.message(msg, f);
        return msg;
    }

    /** An epoch millisecond given as a number or an ISO-8601 instant. */
    static long readInstant(JsonIn in, String field) throws IOException {
        if (in.current() == JsonToken.VALUE_STRING) {
            try {
                return Validation.range(field, Instant.parse(in.readString(field)).toEpochMilli(), 0,
                        Validation.MAX_EPOCH_MS);
            } catch (DateTimeParseException | ArithmeticException e) {
                throw SpoolException.invalid(field, "an epoch millisecond or an ISO-8601 instant");
            }
        }
        return in.readLong(field, 0, Validation.MAX_EPOCH_MS);
    }

    /** Whether {@code bytes} are exactly one JSON value ({@link #checkJson} without the error). */
    static boolean isOneJsonValue(byte[] bytes) {
        try {
            checkJson(bytes, "payload");
            return true;
        } catch (SpoolException e) {
            return false;
        }
    }

    /** Fails unless {@code bytes} is exactly one JSON value. */
    static void checkJson(byte[] bytes, String field) {
        try (JsonParser p = Json.parser(bytes)) {
            if (p.nextToken() == null) {
                throw SpoolException.invalid(field, "empty, but the content type says JSON");
            }
            p.skipChildren();
            if (p.nextToken() != null) {
                throw SpoolException.invalid(field, "more than one JSON value");
            }
        } catch (IOException e) {
            throw SpoolException.invalid(field, "not valid JSON, but the content type says JSON");
        }
    }

    /** Fields of a message being read. */
    private static final class MessageFields {
        byte[] json;
        byte[] base64;
        String contentType;
        String key;
        int priority;
        long delayMs;
        long notBefore;
        long ttlMs;
        Map<String, String> headers = Map.of();
        String dedupId;
        String traceparent;
        String tracestate;

        NewMessage build(String f) {
            if (json != null && base64 != null) {
                throw SpoolException.invalid(f + ".payload", "give payload or payload_base64, not both");
            }
            if (json == null && base64 == null) {
                throw SpoolException.invalid(f + ".payload", "payload or payload_base64 is required");
            }
            String ct = contentType;
            if (json != null) {
                if (ct == null) {
                    ct = MessageBody.JSON;
                } else if (!Json.isJsonMedia(ct)) {
                    throw SpoolException.invalid(f + ".content_type",
                            "a JSON payload is application/json; send other types as payload_base64");
                }
            } else if (ct == null) {
                ct = MessageBody.OCTET_STREAM;
            } else if (Json.isJsonMedia(ct)) {
                checkJson(base64, f + ".payload_base64");
            }
            if (tracestate != null) {
                headers = TraceContext.withTracestate(headers, tracestate, f + ".tracestate");
            }
            MessageBody body = new MessageBody(Payload.of(json != null ? json : base64), ct, headers,
                    Optional.ofNullable(key), priority, Optional.ofNullable(traceparent));
            return new NewMessage(body, delayMs, notBefore, ttlMs, Optional.ofNullable(dedupId));
        }
    }

    /** Whether writing this payload reads from storage (and so must run off the event loop). */
    static boolean blocking(Payload p) {
        return p instanceof Payload.Streamed;
    }

    /** Whether writing any of these deliveries reads from storage. */
    static boolean blocking(List<Delivery> ds) {
        for (Delivery d : ds) {
            if (blocking(d.body().payload())) {
                return true;
            }
        }
        return false;
    }

    /** Whether writing this view reads from storage. */
    static boolean blocking(MessageView v) {
        return v.body().map(b -> blocking(b.payload())).orElse(false)
                || v.result().map(r -> blocking(r.payload())).orElse(false);
    }

    static void writeDelivery(JsonGenerator g, Delivery d) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", d.idString());
        g.writeStringField("receipt", d.receipt());
        g.writeNumberField("attempts", d.attempts());
        g.writeNumberField("enqueued_at", d.enqueuedAt());
        g.writeNumberField("lease_expires_at", d.leaseExpiresAt());
        writeBody(g, d.body());
        g.writeEndObject();
    }

    static void writeDeliveries(JsonGenerator g, List<Delivery> ds) throws IOException {
        g.writeArrayFieldStart("messages");
        for (Delivery d : ds) {
            writeDelivery(g, d);
        }
        g.writeEndArray();
    }

    static void writeView(JsonGenerator g, MessageView v) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", v.idString());
        g.writeStringField("queue", v.queue());
        g.writeStringField("group", v.group());
        g.writeStringField("state", v.state().wire());
        g.writeNumberField("attempts", v.attempts());
        g.writeNumberField("enqueued_at", v.enqueuedAt());
        if (v.availableAt() > 0) {
            g.writeNumberField("available_at", v.availableAt());
        }
        if (v.lastError().isPresent()) {
            g.writeStringField("last_error", v.lastError().get());
        }
        if (v.result().isPresent()) {
            TaskResult r = v.result().get();
            writePayload(g, "result", r.payload(), r.contentType());
            g.writeStringField("result_content_type", r.contentType());
        }
        if (v.body().isPresent()) {
            writeBody(g, v.body().get());
        }
        g.writeEndObject();
    }

    /** The body fields of a delivery or view. */
    static void writeBody(JsonGenerator g, MessageBody b) throws IOException {
        g.writeStringField("content_type", b.contentType());
        writePayload(g, "payload", b.payload(), b.contentType());
        if (b.key().isPresent()) {
            g.writeStringField("key", b.key().get());
        }
        g.writeNumberField("priority", b.priority());
        g.writeObjectFieldStart("headers");
        for (Map.Entry<String, String> h : b.headers().entrySet()) {
            g.writeStringField(h.getKey(), h.getValue());
        }
        g.writeEndObject();
        if (b.traceparent().isPresent()) {
            g.writeStringField("traceparent", b.traceparent().get());
        }
    }

    /** {@code <name>} with the JSON value for JSON content, else {@code <name>_base64}. */
    static void writePayload(JsonGenerator g, String name, Payload p, String contentType) throws IOException {
        boolean json = Json.isJsonMedia(contentType) && p.size() > 0;
        if (p instanceof Payload.Inline inline) {
            byte[] bytes = inline.bytes();
            if (json) {
                g.writeFieldName(name);
                g.writeRawValue(new RawJson(bytes, 0, bytes.length));
            } else {
                g.writeFieldName(name + "_base64");
                g.writeBinary(bytes);
            }
            return;
        }
        try (InputStream in = p.openStream()) {
            if (json) {
                g.writeFieldName(name);
                writeRawChunks(g, in);
            } else {
                g.writeFieldName(name + "_base64");
                g.writeBinary(in, (int) Math.min(Integer.MAX_VALUE, p.size()));
            }
        }
    }

    private static void writeRawChunks(JsonGenerator g, InputStream in) throws IOException {
        byte[] buf = new byte[CHUNK];
        boolean first = true;
        int n;
        while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
            RawJson chunk = new RawJson(buf, 0, n);
            if (first) {
                g.writeRawValue(chunk);
                first = false;
            } else {
                g.writeRaw(chunk);
            }
        }
    }
}
