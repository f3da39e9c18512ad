package dev.spool.server.security;

import java.util.Locale;

import dev.spool.api.SpoolException;

/**
 * One grant: an action on the queue or lock names a pattern matches. A pattern is a name, {@code *}
 * (every name) or a prefix followed by {@code *} ({@code orders.*} matches {@code orders.eu} and
 * {@code orders.eu.dlq}, not {@code orders}). Written {@code action:pattern}, e.g.
 * {@code produce:orders.*}.
 *
 * @param action what it allows
 * @param pattern the names it covers
 */
public record Permission(Action action, String pattern) {
    /** What a permission allows. */
    public enum Action {
        /** Push messages. */
        PRODUCE,
        /** Pop, ack, nack, extend, browse, read task views, redrive, read groups. */
        CONSUME,
        /** Create, reconfigure, delete, purge queues and groups; on {@code *}: manage tokens, read metrics. */
        ADMIN,
        /** Acquire, keep alive, release locks and write their state. */
        LOCK;

        /** The wire name, e.g. {@code produce}. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Checks the pattern. */
    public Permission {
        if (action == null || pattern == null || pattern.isEmpty() || pattern.length() > 256) {
            throw SpoolException.invalid("permissions", "a permission is action:pattern");
        }
        int star = pattern.indexOf('*');
        if (star >= 0 && star != pattern.length() - 1) {
            throw SpoolException.invalid("permissions", "'*' may only end a pattern: " + pattern);
        }
    }

    /**
     * Parses {@code action:pattern}.
     *
     * @throws SpoolException {@code invalid_argument} naming {@code permissions}
     */
    public static Permission parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon <= 0) {
            throw SpoolException.invalid("permissions", "a permission is action:pattern, e.g. produce:orders.*");
        }
        String a = text.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        Action action = switch (a) {
            case "produce" -> Action.PRODUCE;
            case "consume" -> Action.CONSUME;
            case "admin" -> Action.ADMIN;
            case "lock" -> Action.LOCK;
            default -> throw SpoolException.invalid("permissions",
                    "unknown action '" + a + "': produce, consume, admin or lock");
        };
        return new Permission(action, text.substring(colon + 1).strip());
    }

    /** Whether this permission covers {@code name} (any action). */
    public boolean covers(String name) {
        int last = pattern.length() - 1;
        if (pattern.charAt(last) == '*') {
            return name.regionMatches(0, pattern, 0, last); // no substring: this runs on every request
        }
        return pattern.equals(name);
    }

    /** Whether the pattern is {@code *}, every name. */
    public boolean everything() {
        return "*".equals(pattern);
    }

    @Override
    public String toString() {
        return action.wire() + ":" + pattern;
    }
}
