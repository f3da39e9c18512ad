package dev.spool.api;

/**
 * Stable error codes shared by every backend, the HTTP API and the client.
 *
 * <p>The string {@link #id()} is what reaches clients in {@code {"error":{"code":...}}}; the
 * {@link #number()} is stable too and never reused. {@link #httpStatus()} is the status the server
 * answers with. Codes are only ever added, never renamed.
 */
public enum ErrorCode {
    /** The request is malformed: broken JSON, wrong content type, unreadable body. */
    BAD_REQUEST("bad_request", 1, 400),
    /** A field has a wrong type or a value out of range; {@link SpoolException#field()} names it. */
    INVALID_ARGUMENT("invalid_argument", 2, 400),
    /** No or unknown credentials. */
    UNAUTHORIZED("unauthorized", 3, 401),
    /** Credentials lack the permission. */
    FORBIDDEN("forbidden", 4, 403),
    /** No route for this path. */
    NOT_FOUND("not_found", 5, 404),
    /** The queue does not exist (and was not auto-created). */
    QUEUE_NOT_FOUND("queue_not_found", 6, 404),
    /** No message with this id in this queue (never existed, or no longer retained). */
    MESSAGE_NOT_FOUND("message_not_found", 7, 404),
    /** The named group does not exist on this queue. */
    GROUP_NOT_FOUND("group_not_found", 8, 404),
    /** The lock does not exist. */
    LOCK_NOT_FOUND("lock_not_found", 9, 404),
    /** The method is not allowed on this path. */
    METHOD_NOT_ALLOWED("method_not_allowed", 10, 405),
    /** A receipt's lease ended or a newer delivery exists; the operation changed nothing. */
    STALE_RECEIPT("stale_receipt", 11, 409),
    /** The lock is held by someone else. */
    LOCK_HELD("lock_held", 12, 409),
    /** A compare-and-set saw a different version. */
    VERSION_MISMATCH("version_mismatch", 13, 409),
    /** The resource exists with a different, unchangeable setting (e.g. a group's start position). */
    CONFLICT("conflict", 14, 409),
    /** A message or request body exceeds its limit. */
    PAYLOAD_TOO_LARGE("payload_too_large", 15, 413),
    /** The content type is not one this endpoint accepts. */
    UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", 16, 415),
    /** A bound was reached (waiters, queues, connections, in-flight requests); retry after a while. */
    TOO_MANY_REQUESTS("too_many_requests", 17, 429),
    /** Storage is unreachable or the server is shutting down; retry elsewhere or later. */
    UNAVAILABLE("unavailable", 18, 503),
    /** A bug: the server could not complete an operation it should have. Never expected. */
    INTERNAL("internal", 19, 500),
    /** The feature exists in the API but is not available in this build or backend. */
    NOT_IMPLEMENTED("not_implemented", 20, 501),
    /** The server's disk is full: writes are refused until space returns; reads go on. */
    INSUFFICIENT_STORAGE("insufficient_storage", 21, 507),
    /** A lock's lease id or token is not the current holder's (released, expired, superseded). */
    STALE_LEASE("stale_lease", 22, 409),
    /**
     * Stored data failed its integrity check (an encrypted record whose authentication tag does not
     * verify, or whose key is not in the keyring): the request fails, nothing unverified is returned,
     * and everything else is still served.
     */
    CORRUPT("corrupt", 23, 500);

    private final String id;
    private final int number;
    private final int httpStatus;

    ErrorCode(String id, int number, int httpStatus) {
        this.id = id;
        this.number = number;
        this.httpStatus = httpStatus;
    }

    /** The wire name, e.g. {@code stale_receipt}. */
    public String id() {
        return id;
    }

    /** A stable number for this code. */
    public int number() {
        return number;
    }

    /** The HTTP status the server answers with. */
    public int httpStatus() {
        return httpStatus;
    }

    /**
     * Finds a code by its wire name.
     *
     * @param id the wire name
     * @return the code, or {@link #INTERNAL} when the name is unknown (a newer server)
     */
    public static ErrorCode fromId(String id) {
        for (ErrorCode c : values()) {
            if (c.id.equals(id)) {
                return c;
            }
        }
        return INTERNAL;
    }
}
