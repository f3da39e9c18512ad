package dev.spool.api;

/**
 * Rules for queue, group and lock names: {@code [A-Za-z0-9._-]{1,128}}, except {@code .} and {@code ..},
 * which no HTTP path can name (clients and proxies resolve them as path segments). Every entry
 * point (HTTP paths, transactions, the stream, dead-letter queue names) checks names here.
 */
public final class Names {
    /** Longest queue or group name. */
    public static final int MAX_NAME_LENGTH = 128;
    private static final String DLQ_SUFFIX = ".dlq";

    private Names() {
    }

    /** Whether {@code name} is a valid queue or group name. */
    public static boolean isValid(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH || ".".equals(name) || "..".equals(name)) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks a queue name.
     *
     * @param name the name
     * @param field the request field, for the error
     * @return the name
     * @throws SpoolException {@link ErrorCode#INVALID_ARGUMENT} when invalid
     */
    public static String checkQueue(String name, String field) {
        if (!isValid(name)) {
            throw SpoolException.invalid(field, "a queue name is 1-128 characters of [A-Za-z0-9._-], not . or ..");
        }
        return name;
    }

    /**
     * Checks a group name.
     *
     * @param name the name
     * @param field the request field, for the error
     * @return the name
     * @throws SpoolException {@link ErrorCode#INVALID_ARGUMENT} when invalid
     */
    public static String checkGroup(String name, String field) {
        if (!isValid(name)) {
            throw SpoolException.invalid(field, "a group name is 1-128 characters of [A-Za-z0-9._-], not . or ..");
        }
        return name;
    }

    /**
     * Checks a lock name: the same rule as queue names.
     *
     * @param name the name
     * @param field the request field, for the error
     * @return the name
     * @throws SpoolException {@link ErrorCode#INVALID_ARGUMENT} when invalid
     */
    public static String checkLock(String name, String field) {
        if (!isValid(name)) {
            throw SpoolException.invalid(field, "a lock name is 1-128 characters of [A-Za-z0-9._-], not . or ..");
        }
        return name;
    }

    /**
     * The default dead-letter queue of a queue: {@code <queue>.dlq}, with the name shortened so that
     * the result is still a valid name.
     */
    public static String defaultDeadLetterQueue(String queue) {
        String base = queue.length() + DLQ_SUFFIX.length() > MAX_NAME_LENGTH
                ? queue.substring(0, MAX_NAME_LENGTH - DLQ_SUFFIX.length()) : queue;
        return base + DLQ_SUFFIX;
    }
}
