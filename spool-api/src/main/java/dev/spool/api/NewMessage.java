package dev.spool.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A message to push: its {@link MessageBody} plus when it may be delivered, how long it lives and
 * its de-duplication id.
 *
 * @param body what consumers will receive
 * @param delayMs not deliverable until this many ms after the push (0: at once)
 * @param notBeforeMs not deliverable before this epoch millisecond (0: no bound); with
 *        {@code delayMs} the later of the two wins
 * @param ttlMs expires if not consumed within this many ms (0: the queue's {@code message_ttl_ms})
 * @param dedupId a second push with this id inside the queue's dedup window returns the first id
 */
public record NewMessage(MessageBody body, long delayMs, long notBeforeMs, long ttlMs, Optional<String> dedupId) {

    /** Checks for nulls; ranges are checked by {@link Validation#message}. */
    public NewMessage {
        if (body == null || dedupId == null) {
            throw new IllegalArgumentException("message fields must not be null");
        }
    }

    /** A message with this payload and no options. */
    public static NewMessage of(byte[] payload) {
        return new NewMessage(MessageBody.of(Payload.of(payload)), 0, 0, 0, Optional.empty());
    }

    /** A message with this UTF-8 text and no options. */
    public static NewMessage ofUtf8(String payload) {
        return new NewMessage(MessageBody.of(Payload.ofUtf8(payload)), 0, 0, 0, Optional.empty());
    }

    /** A builder starting from this payload. */
    public static Builder builder(Payload payload) {
        return new Builder(payload);
    }

    /** A builder starting from this UTF-8 text. */
    public static Builder builder(String payload) {
        return new Builder(Payload.ofUtf8(payload));
    }

    /** Fluent construction of a {@link NewMessage}. Not thread-safe. */
    public static final class Builder {
        private final Payload payload;
        private String contentType = MessageBody.OCTET_STREAM;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String key;
        private int priority;
        private String traceparent;
        private long delayMs;
        private long notBeforeMs;
        private long ttlMs;
        private String dedupId;

        private Builder(Payload payload) {
            this.payload = payload;
        }

        /** Sets the content type. */
        public Builder contentType(String value) {
            this.contentType = value;
            return this;
        }

        /** Adds a header. */
        public Builder header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        /** Adds all headers. */
        public Builder headers(Map<String, String> values) {
            headers.putAll(values);
            return this;
        }

        /** Sets the ordering key. */
        public Builder key(String value) {
            this.key = value;
            return this;
        }

        /** Sets the priority, 0–9. */
        public Builder priority(int value) {
            this.priority = value;
            return this;
        }

        /** Sets the W3C traceparent. */
        public Builder traceparent(String value) {
            this.traceparent = value;
            return this;
        }

        /** Delays delivery by this many ms. */
        public Builder delayMs(long value) {
            this.delayMs = value;
            return this;
        }

        /** Delays delivery until this epoch millisecond. */
        public Builder notBeforeMs(long value) {
            this.notBeforeMs = value;
            return this;
        }

        /** Expires the message after this many ms unless consumed. */
        public Builder ttlMs(long value) {
            this.ttlMs = value;
            return this;
        }

        /** Sets the de-duplication id. */
        public Builder dedupId(String value) {
            this.dedupId = value;
            return this;
        }

        /** Builds the message. */
        public NewMessage build() {
            MessageBody body = new MessageBody(payload, contentType, headers, Optional.ofNullable(key), priority,
                    Optional.ofNullable(traceparent));
            return new NewMessage(body, delayMs, notBeforeMs, ttlMs, Optional.ofNullable(dedupId));
        }
    }
}
