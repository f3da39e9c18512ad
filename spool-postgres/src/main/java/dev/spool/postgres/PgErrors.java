package dev.spool.postgres;

import java.io.IOException;
import java.sql.SQLException;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * Translation of database failures into {@link SpoolException}s. The functions raise SQLSTATEs of
 * class {@code SP} for the broker's own errors; lost connections become {@link ErrorCode#UNAVAILABLE}.
 */
final class PgErrors {
    private PgErrors() {
    }

    /** Whether the failure means the connection (or the database) is gone. */
    static boolean isConnectionLoss(SQLException e) {
        String state = e.getSQLState();
        if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03"))) {
            return true;
        }
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /**
     * SQLSTATE of a clear payload or result sent for an encrypted queue (V27): the work runs again
     * sealed once {@link AtRestRows#learn} knows the queue (DETAIL names it).
     */
    static final String ENCRYPTED = "SPE01";

    /** The queue an {@link #ENCRYPTED} failure names, or null when {@code e} is not one. */
    static String encryptedQueue(SQLException e) {
        if (!ENCRYPTED.equals(e.getSQLState())) {
            return null;
        }
        return e instanceof PSQLException p && p.getServerErrorMessage() != null
                ? p.getServerErrorMessage().getDetail() : null;
    }

    /** Whether the transaction lost a race (deadlock, serialization) and may simply run again. */
    static boolean isRetryable(SQLException e) {
        return "40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState());
    }

    static SpoolException unreachable(Throwable cause) {
        return SpoolException.unavailable("the PostgreSQL database is unreachable: " + cause.getMessage(), cause);
    }

    /** The broker error for a failed statement. */
    static SpoolException map(SQLException e) {
        if (isConnectionLoss(e)) {
            return unreachable(e);
        }
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String message = e.getMessage();
        String detail = null;
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
            ServerErrorMessage m = p.getServerErrorMessage();
            message = m.getMessage();
            detail = m.getDetail();
        }
        return switch (state) {
            case "SPQ01" -> new SpoolException(ErrorCode.QUEUE_NOT_FOUND, message);
            case "SPG01" -> new SpoolException(ErrorCode.GROUP_NOT_FOUND, message);
            case "SPM01" -> new SpoolException(ErrorCode.MESSAGE_NOT_FOUND, message);
            case "SPC01" -> new SpoolException(ErrorCode.CONFLICT, message);
            case "SPR01" -> SpoolException.tooMany(message, 1000);
            case "SPT01" -> SpoolException.withField(ErrorCode.PAYLOAD_TOO_LARGE, detail, message);
            case "SPI01" -> SpoolException.invalid(detail, message);
            case "SPL01" -> new SpoolException(ErrorCode.STALE_LEASE, message);
            case "SPL02" -> SpoolException.withField(ErrorCode.VERSION_MISMATCH, "if_version", message);
            case "SPL03" -> new SpoolException(ErrorCode.NOT_FOUND, message);
            case ENCRYPTED -> SpoolException.withField(ErrorCode.INVALID_ARGUMENT, "encrypted", message + ", and this "
                    + "server has no encryption keyring (encryption-keys-file or SPOOL_ENCRYPTION_KEYS) to seal with");
            default -> SpoolException.internal("database error " + state + ": " + message, e);
        };
    }
}
