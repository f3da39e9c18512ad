package dev.spool.cli;

import java.net.ConnectException;
import java.net.UnknownHostException;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * The exit codes of the {@code spool} command (listed in {@code docs/cli.md}): every kind of failure
 * has its own, so scripts can tell a missing queue from a server that is down.
 */
final class ExitCodes {
    /** Success. */
    static final int OK = 0;
    /** An unexpected failure (a bug, an unreadable file). */
    static final int FAILURE = 1;
    /** Bad usage: an unknown command or option, a missing or malformed argument, a bad configuration. */
    static final int USAGE = 2;
    /** The server could not be reached: connection refused, unknown host, connect timeout. */
    static final int CANNOT_CONNECT = 3;
    /** The request went through but some receipts were not applied (stale or not found). */
    static final int PARTIAL = 4;
    /** {@code journal check}: recovery would open the directory, but durable data is damaged. */
    static final int JOURNAL_DAMAGED = 5;
    /** {@code journal check}: recovery would refuse to open it; {@code journal repair}: it still would. */
    static final int JOURNAL_REFUSED = 6;
    /** {@code journal repair}: a running server holds the data directory's lock. */
    static final int JOURNAL_IN_USE = 7;
    /** The server answered with an error: {@code ERROR_BASE + ErrorCode.number()} (11..30). */
    static final int ERROR_BASE = 10;

    private ExitCodes() {
    }

    /** The exit code of a server error code. */
    static int of(ErrorCode code) {
        return ERROR_BASE + code.number();
    }

    /** The exit code of a failure of a client command. */
    static int of(Throwable t) {
        if (cannotConnect(t)) {
            return CANNOT_CONNECT;
        }
        if (t instanceof SpoolException se) {
            return of(se.code());
        }
        return FAILURE;
    }

    static boolean cannotConnect(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            // netty's connect timeout is a ConnectException too
            if (c instanceof ConnectException || c instanceof UnknownHostException) {
                return true;
            }
        }
        return false;
    }
}
