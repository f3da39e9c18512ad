package dev.spool.server.push;

import java.util.List;

import dev.spool.api.SpoolException;

/**
 * Server-wide settings of push delivery ({@code docs/configuration.md}, keys {@code push-*}).
 *
 * @param enabled run push delivery on this server
 * @param allow hosts, addresses and CIDR ranges that push targets may reach even when they are
 *        loopback, private, link-local or otherwise internal (see {@link PushTargets})
 * @param allowPublic whether targets resolving to public addresses are allowed without being listed
 * @param scanMs how often the server looks for push groups created, changed or deleted elsewhere
 *        (another server of a cluster); changes made through this server apply at once
 */
public record PushSettings(boolean enabled, List<String> allow, boolean allowPublic, long scanMs) {
    /** Delivery on, nothing internal allowed, public targets allowed, a scan every 2 s. */
    public static final PushSettings DEFAULTS = new PushSettings(true, List.of(), true, 2_000);

    /** Checks the values (the allow list entries parse). */
    public PushSettings {
        if (allow == null) {
            throw new IllegalArgumentException("allow must not be null");
        }
        allow = List.copyOf(allow);
        if (scanMs < 100 || scanMs > 3_600_000) {
            throw SpoolException.invalid("push-scan-ms", "must be between 100 and 3600000");
        }
        PushTargets.of(allow, allowPublic);
    }

    /** Parses a comma-separated allow list. */
    public static List<String> parseAllow(String text) {
        List<String> out = new java.util.ArrayList<>();
        for (String s : text.split(",")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }

    /** A copy with another allow list. */
    public PushSettings withAllow(List<String> v) {
        return new PushSettings(enabled, v, allowPublic, scanMs);
    }

    /** A copy with delivery on or off. */
    public PushSettings withEnabled(boolean v) {
        return new PushSettings(v, allow, allowPublic, scanMs);
    }

    /** A copy with another scan period. */
    public PushSettings withScanMs(long v) {
        return new PushSettings(enabled, allow, allowPublic, v);
    }
}
