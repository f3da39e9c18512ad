package dev.spool.server.security;

import java.util.List;

import dev.spool.api.Names;

/**
 * Who a request comes from and what they may do: a token's holder, a client certificate's
 * subject, an SQS access key, the bootstrap admin, or everyone when no authentication is configured.
 *
 * <p>A dead-letter queue follows its source queue: a grant on {@code orders} covers
 * {@code orders.dlq} too (the default dead-letter name). A dead-letter queue with another name
 * needs its own grant.
 *
 * @param name the identity shown in logs (token id and name, or certificate identity); never a secret
 * @param kind how it was established
 * @param tokenHash for a token, the hash it was found by (a revocation is seen through it), else empty
 * @param permissions what it may do
 */
public record Principal(String name, Kind kind, String tokenHash, List<Permission> permissions) {
    /** The prefix of the queue and lock names the server keeps for itself. */
    public static final String RESERVED = "spool.";

    /** Everyone, when the server runs without authentication. */
    public static final Principal OPEN = new Principal("anonymous", Kind.OPEN, "", List.of());
    private static final String DEAD_LETTER_SUFFIX = Names.defaultDeadLetterQueue("");

    /** How an identity was established. */
    public enum Kind {
        /** No authentication configured: everything is allowed. */
        OPEN,
        /** A bearer token. */
        TOKEN,
        /** A client certificate (mutual TLS). */
        CERTIFICATE,
        /** The bootstrap admin token of the configuration. */
        BOOTSTRAP,
        /** An SQS access key whose Signature Version 4 was verified ({@code sqs-key-grants}). */
        ACCESS_KEY
    }

    /** Copies the list. */
    public Principal {
        permissions = List.copyOf(permissions);
    }

    /**
     * Whether it may do {@code action} on the queue or lock {@code name}. Names under {@link #RESERVED}
     * are the server's own (fleet push tasks and endpoint sets): only an identity with {@code admin:*}
     * may touch them, whatever its grants on patterns such as {@code *} say, so that a producer cannot
     * add URLs for the server to call.
     */
    public boolean allows(Permission.Action action, String name) {
        if (kind == Kind.OPEN) {
            return true;
        }
        if (name.startsWith(RESERVED)) {
            return allowsEverywhere(Permission.Action.ADMIN);
        }
        String source = sourceOf(name);
        for (Permission p : permissions) {
            if (p.action() == action && (p.covers(name) || source != null && p.covers(source))) {
                return true;
            }
        }
        return false;
    }

    /** Whether it may do {@code action} on every name (token management, metrics). */
    public boolean allowsEverywhere(Permission.Action action) {
        if (kind == Kind.OPEN) {
            return true;
        }
        for (Permission p : permissions) {
            if (p.action() == action && p.everything()) {
                return true;
            }
        }
        return false;
    }

    /** Whether it holds any permission on {@code name}: it may learn that the queue exists. */
    public boolean sees(String name) {
        for (Permission.Action a : Permission.Action.values()) {
            if (allows(a, name)) {
                return true;
            }
        }
        return false;
    }

    /** The source queue of a default-named dead-letter queue ({@code x.dlq} → {@code x}), or null. */
    private static String sourceOf(String name) {
        String suffix = DEAD_LETTER_SUFFIX;
        return name.endsWith(suffix) && name.length() > suffix.length()
                ? name.substring(0, name.length() - suffix.length()) : null;
    }

    @Override
    public String toString() {
        return "Principal[" + kind + " " + name + "]";
    }
}
