package dev.spool.api;

/**
 * The result a consumer stored when acknowledging a task.
 *
 * @param payload the bytes
 * @param contentType their MIME type
 */
public record TaskResult(Payload payload, String contentType) {
    /** Checks for nulls. */
    public TaskResult {
        if (payload == null || contentType == null) {
            throw new IllegalArgumentException("result fields must not be null");
        }
    }
}
