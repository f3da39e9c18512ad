package dev.spool.client;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonFactory;
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
            return read(p, (from, to) -> java.util.Arrays.copyOfRange(json, (int) from, (int) to));
        } catch (IOException e) {
            throw new SpoolException(ErrorCode.INTERNAL, "bad messages document from the server: " + e.getMessage());
        }
    }

    /** The same for a text frame. */
    static List<Delivery> document(JsonFactory f, String json) {
        try (JsonParser p = f.createParser(json)) {
            return read(p, (from, to) -> json.substring((int) from, (int) to)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SpoolException(ErrorCode.INTERNAL, "bad messages frame from the server: " + e.getMessage());
        }
    }

    /** The document's bytes between two offsets (bytes of a byte document, chars of a text one), as UTF-8. */
    private interface Slicer {
        byte[] slice(long from, long to);
    }

    private static List<Delivery> read(JsonParser p, Slicer slicer) throws IOException {
        List<Delivery> out = List.of();
        expect(p.nextToken(), JsonToken.START_OBJECT);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if ("messages".equals(name) && t == JsonToken.START_ARRAY) {
                out = new ArrayList<>();
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    out.add(delivery(p, slicer));
                }
            } else {
                p.skipChildren();
            }
        }
        return out;
    }

    private static Delivery delivery(JsonParser p, Slicer slicer) throws IOException {
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
                case "payload" -> payload = Payload.of(raw(p, slicer));
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

    /**
     * The current JSON value exactly as the server wrote it (the stored bytes: whitespace, escapes
     * and the spelling of numbers kept), sliced from the document rather than generated again.
     */
    private static byte[] raw(JsonParser p, Slicer slicer) throws IOException {
        long from = offset(p.currentTokenLocation());
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            p.skipChildren();
        } else if (t == JsonToken.VALUE_STRING) {
            p.getText(); // a string is read to its closing quote only when asked for
        }
        return slicer.slice(from, offset(p.currentLocation()));
    }

    private static long offset(com.fasterxml.jackson.core.JsonLocation l) {
        return l.getByteOffset() >= 0 ? l.getByteOffset() : l.getCharOffset();
    }

    private static void expect(JsonToken actual, JsonToken expected) {
        if (actual != expected) {
            throw new SpoolException(ErrorCode.INTERNAL, "expected " + expected + " from the server, got " + actual);
        }
    }
}
