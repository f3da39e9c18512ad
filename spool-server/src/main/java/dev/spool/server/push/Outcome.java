package dev.spool.server.push;

import java.util.OptionalLong;

/** What one delivery attempt came to, as the worker acts on it. */
sealed interface Outcome {
    /** The endpoint answered 2xx: ack. */
    record Delivered(int status) implements Outcome {
    }

    /**
     * A failure a retry may fix (408, 429, 5xx, timeout, connection error): nack.
     *
     * @param status the HTTP status, or 0 when there was no response
     * @param reason kept as the message's last error
     * @param delayMs from {@code Retry-After} (429 and 503 only), else empty (then a fleet's
     *     {@link Backoff}, a push group's queue backoff)
     */
    record Retry(int status, String reason, OptionalLong delayMs) implements Outcome {
    }

    /** A failure no retry fixes (other statuses): dead-letter now with the reason. */
    record Dead(int status, String reason) implements Outcome {
    }
}
