package dev.spool.api;

import java.util.Map;
import java.util.Optional;

/**
 * What a producer sent and a consumer receives: payload, content type, headers, ordering key,
 * priority and trace context. Immutable; shared between the push and every delivery of it.
 *
 * @param payload the bytes
 * @param contentType MIME type of the payload, e.g. {@code application/json}
 * @param headers application headers (string to string), possibly empty
 * @param key ordering key: messages sharing it are delivered one at a time, in push order
 * @param priority 0–9, higher delivered first among ready messages without a shared key
 * @param traceparent W3C trace context of the producer
 */
public record MessageBody(Payload payload, String contentType, Map<String, String> headers, Optional<String> key,
        int priority, Optional<String> traceparent) {

    /** The content type used when none is given. */
    public static final String OCTET_STREAM = "application/octet-stream";
    /** The content type of JSON payloads. */
    public static final String JSON = "application/json";

    /** Copies the header map defensively and checks for nulls. */
    public MessageBody {
        if (payload == null || contentType == null || headers == null || key == null || traceparent == null) {
            throw new IllegalArgumentException("message body fields must not be null");
        }
        headers = headers.isEmpty() ? Map.of() : Map.copyOf(headers);
    }

    /** A body with only a payload, as {@code application/octet-stream}. */
    public static MessageBody of(Payload payload) {
        return new MessageBody(payload, OCTET_STREAM, Map.of(), Optional.empty(), 0, Optional.empty());
    }
}
