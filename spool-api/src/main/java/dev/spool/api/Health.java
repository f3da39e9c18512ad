package dev.spool.api;

/**
 * Whether a backend can serve requests.
 *
 * @param ready true when storage is reachable and recovery finished
 * @param detail a short explanation, e.g. {@code journal open, 3 segments} or the storage error
 */
public record Health(boolean ready, String detail) {
}
