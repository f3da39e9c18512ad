package dev.spool.api;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The one exception type of Spool: every failure a caller can see carries a stable {@link ErrorCode}.
 *
 * <p>Optional details: the request {@link #field()} at fault (as named on the wire, e.g.
 * {@code messages[2].priority}), the index of the failing operation of a transaction
 * ({@link #opIndex()}), and how long to wait before retrying ({@link #retryAfterMs()}).
 */
public class SpoolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String field;
    private final int opIndex;
    private final long retryAfterMs;

    /**
     * Creates an exception.
     *
     * @param code the error code
     * @param message a human-readable message; never contains payloads or secrets
     */
    public SpoolException(ErrorCode code, String message) {
        this(code, message, null, -1, -1, null);
    }

    private SpoolException(ErrorCode code, String message, String field, int opIndex, long retryAfterMs,
            Throwable cause) {
        super(message, cause);
        this.code = code;
        this.field = field;
        this.opIndex = opIndex;
        this.retryAfterMs = retryAfterMs;
    }

    /** An {@link ErrorCode#INVALID_ARGUMENT} naming the field. */
    public static SpoolException invalid(String field, String message) {
        return new SpoolException(ErrorCode.INVALID_ARGUMENT, message, field, -1, -1, null);
    }

    /** An exception of any code naming the field. */
    public static SpoolException withField(ErrorCode code, String field, String message) {
        return new SpoolException(code, message, field, -1, -1, null);
    }

    /** A {@link ErrorCode#TOO_MANY_REQUESTS} with a retry hint. */
    public static SpoolException tooMany(String message, long retryAfterMs) {
        return new SpoolException(ErrorCode.TOO_MANY_REQUESTS, message, null, -1, retryAfterMs, null);
    }

    /** A {@link ErrorCode#UNAVAILABLE} caused by an underlying failure. */
    public static SpoolException unavailable(String message, Throwable cause) {
        return new SpoolException(ErrorCode.UNAVAILABLE, message, null, -1, 1000, cause);
    }

    /** An {@link ErrorCode#INSUFFICIENT_STORAGE}: the disk is full; retry after {@code retryAfterMs}. */
    public static SpoolException insufficientStorage(String message, long retryAfterMs, Throwable cause) {
        return new SpoolException(ErrorCode.INSUFFICIENT_STORAGE, message, null, -1, retryAfterMs, cause);
    }

    /** An {@link ErrorCode#INTERNAL} wrapping an unexpected failure. */
    public static SpoolException internal(String message, Throwable cause) {
        return new SpoolException(ErrorCode.INTERNAL, message, null, -1, -1, cause);
    }

    /** Rebuilds an exception as received over the wire by a client. */
    public static SpoolException fromWire(ErrorCode code, String message, Optional<String> field,
            OptionalInt opIndex, OptionalLong retryAfterMs) {
        return new SpoolException(code, message, field.orElse(null), opIndex.orElse(-1),
                retryAfterMs.orElse(-1), null);
    }

    /** This failure, attributed to operation {@code index} of a transaction. */
    public SpoolException atOp(int index) {
        return new SpoolException(code, "op " + index + ": " + getMessage(), field, index, retryAfterMs, this);
    }

    /** The stable error code. */
    public ErrorCode code() {
        return code;
    }

    /** The request field at fault, as named on the wire. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    /** The index of the failing operation of a transaction. */
    public OptionalInt opIndex() {
        return opIndex < 0 ? OptionalInt.empty() : OptionalInt.of(opIndex);
    }

    /** How long the caller should wait before retrying. */
    public OptionalLong retryAfterMs() {
        return retryAfterMs < 0 ? OptionalLong.empty() : OptionalLong.of(retryAfterMs);
    }
}
