package dev.spool.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.MessageBody;
import dev.spool.api.MessageIds;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

/**
 * Reads the {@code messages} array of a pop reply or a stream {@code messages} frame straight from
 * the parser, without building a tree: the hot path of consuming. Unknown fields are skipped, so a
 * newer server adding fields does not break an older client.
 */
final class DeliveryReader {
    private DeliveryReader() {
    }

    /** The deliveries of a document {@code {..., "messages": [...], ...}}; other fields are skipped. */
    static List<Delivery> document(JsonFactory f, byte[] json) {
        try (JsonParser p = f.createParser(json)) {
            return read(p);
        } catch (IOException e) {
            throw new SpoolException(ErrorCode.INTERNAL, "bad messages document from the server: " + e.getMessage());
        }
    }

    /** The same for a text frame. */
    static List<Delivery> document(JsonFactory f, String json) {
        try (JsonParser p = f.createParser(json)) {
            return read(p);
        } catch (IOException e) {
            throw new SpoolException(ErrorCode.INTERNAL, "bad messages frame from the server: " + e.getMessage());
        }
    }

    private static List<Delivery> read(JsonParser p) throws IOException {
        List<Delivery> out = List.of();
        expect(p.nextToken(), JsonToken.START_OBJECT);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if ("messages".equals(name) && t == JsonToken.START_ARRAY) {
                out = new ArrayList<>();
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    out.add(delivery(p));
                }
            } else {
                p.skipChildren();
            }
        }
        return out;
    }

    private static Delivery delivery(JsonParser p) throws IOException {
        long id = -1;
        int attempts = 0;
        long enqueuedAt = 0;
        long leaseExpiresAt = 0;
        String contentType = MessageBody.OCTET_STREAM;
        Payload payload = Payload.EMPTY;
        Map<String, String> headers = Map.of();
        String key = null;
        String traceparent = null;
        int priority = 0;
        long tag = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if (t == JsonToken.VALUE_NULL) {
                continue;
            }
            switch (name) {
                case "id" -> id = MessageIds.parse(p.getText(), "id");
                case "attempts" -> attempts = p.getIntValue();
                case "receipt" -> tag = JsonCodec.receiptTag(p.getText());
                case "enqueued_at" -> enqueuedAt = p.getLongValue();
                case "lease_expires_at" -> leaseExpiresAt = p.getLongValue();
                case "content_type" -> contentType = p.getText();
                case "payload_base64" -> payload = Payload.of(p.getBinaryValue());
                case "payload" -> payload = Payload.of(raw(p));
                case "key" -> key = p.getText();
                case "traceparent" -> traceparent = p.getText();
                case "priority" -> priority = p.getIntValue();
                case "headers" -> headers = headers(p);
                default -> p.skipChildren();
            }
        }
        if (id < 0) {
            throw new SpoolException(ErrorCode.INTERNAL, "a delivery without id from the server");
        }
        return new Delivery(id, attempts, enqueuedAt, leaseExpiresAt, new MessageBody(payload, contentType, headers,
                Optional.ofNullable(key), priority, Optional.ofNullable(traceparent)), tag);
    }

    private static Map<String, String> headers(JsonParser p) throws IOException {
        expect(p.currentToken(), JsonToken.START_OBJECT);
        Map<String, String> h = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            if (h == null) {
                h = new HashMap<>();
            }
            h.put(name, p.getText());
        }
        return h == null ? Map.of() : h;
    }

    /** The current JSON value, compact, as UTF-8 bytes (how the server stores JSON payloads). */
    private static byte[] raw(JsonParser p) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        try (JsonGenerator g = p.getCodec() != null ? p.getCodec().getFactory().createGenerator(out)
                : JsonCodec.MAPPER.getFactory().createGenerator(out)) {
            g.copyCurrentStructure(p);
        }
        return out.toByteArray();
    }

    private static void expect(JsonToken actual, JsonToken expected) {
        if (actual != expected) {
            throw new SpoolException(ErrorCode.INTERNAL, "expected " + expected + " from the server, got " + actual);
        }
    }
}
