package dev.spool.server.push;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemTrustOptions;

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
 * @param caFile PEM CA certificates that verify {@code https} targets instead of the JVM's trust
 *        store (a private CA of devices or internal services); empty for the JVM's
 */
public record PushSettings(boolean enabled, List<String> allow, boolean allowPublic, long scanMs,
        Optional<Path> caFile) {
    /** Delivery on, nothing internal allowed, public targets allowed, a scan every 2 s, the JVM's CAs. */
    public static final PushSettings DEFAULTS = new PushSettings(true, List.of(), true, 2_000, Optional.empty());

    /** Checks the values (the allow list entries parse). */
    public PushSettings {
        if (allow == null || caFile == null) {
            throw new IllegalArgumentException("allow and caFile must not be null");
        }
        if (caFile.isPresent() && !Files.isReadable(caFile.get())) {
            throw SpoolException.invalid("push-ca-file", "cannot read " + caFile.get());
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
        return new PushSettings(enabled, v, allowPublic, scanMs, caFile);
    }

    /** A copy with delivery on or off. */
    public PushSettings withEnabled(boolean v) {
        return new PushSettings(v, allow, allowPublic, scanMs, caFile);
    }

    /** A copy with other CA certificates for {@code https} targets. */
    public PushSettings withCaFile(Optional<Path> v) {
        return new PushSettings(enabled, allow, allowPublic, scanMs, v);
    }

    /** The HTTP client settings of push delivery: TLS verified against {@link #caFile()} when set. */
    HttpClientOptions clientOptions() {
        HttpClientOptions o = new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setTrustAll(false)
                .setVerifyHost(true);
        caFile.ifPresent(f -> o.setTrustOptions(new PemTrustOptions().addCertPath(f.toString())));
        return o;
    }

    /** A copy with another scan period. */
    public PushSettings withScanMs(long v) {
        return new PushSettings(enabled, allow, allowPublic, v, caFile);
    }
}
