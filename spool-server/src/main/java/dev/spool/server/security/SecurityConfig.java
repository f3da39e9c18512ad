package dev.spool.server.security;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.spool.api.SpoolException;
import dev.spool.api.crypto.AtRest;

/**
 * The security settings of a server (DESIGN §4, {@code docs/security.md}). The defaults (no TLS, no
 * authentication) keep a server open, which is why it then binds only to loopback unless
 * {@code insecure} says otherwise.
 *
 * @param tls TLS on the listener, or empty for plain HTTP
 * @param authRequired whether every request needs an identity (a token or a client certificate)
 * @param adminToken a bootstrap secret granting every permission on {@code *} (from
 *        {@code SPOOL_ADMIN_TOKEN}); empty for none. Never shown by {@link #toString()}
 * @param certGrants permissions of client-certificate identities, by identity
 * @param openHealth whether {@code /healthz} and {@code /readyz} answer without credentials
 * @param openMetrics whether {@code /metrics} answers without credentials (else it needs {@code admin:*})
 * @param insecure allows binding a non-loopback address without TLS and authentication
 * @param atRest encryption at rest: the keyring (never shown by {@link #toString()}: only key ids) and
 *        {@code encrypt-all}
 */
public record SecurityConfig(Optional<Tls> tls, boolean authRequired, Optional<String> adminToken,
        Map<String, List<Permission>> certGrants, boolean openHealth, boolean openMetrics, boolean insecure,
        AtRest atRest) {

    /** No TLS, no authentication: the server is open and binds loopback only. */
    public static final SecurityConfig NONE = new SecurityConfig(Optional.empty(), false, Optional.empty(), Map.of(),
            true, true, false, AtRest.NONE);

    /** Checks and copies. */
    public SecurityConfig {
        if (tls == null || adminToken == null || certGrants == null || atRest == null) {
            throw new IllegalArgumentException("security config fields must not be null");
        }
        adminToken.ifPresent(t -> {
            if (t.length() < 16) {
                throw SpoolException.invalid("admin-token", "admin-token must be at least 16 characters");
            }
        });
        certGrants = Map.copyOf(certGrants);
        if (!certGrants.isEmpty() && tls.flatMap(Tls::clientCa).isEmpty()) {
            throw SpoolException.invalid("cert-grants", "cert-grants needs tls-client-ca (mutual TLS)");
        }
    }

    /** Settings without encryption at rest. */
    public SecurityConfig(Optional<Tls> tls, boolean authRequired, Optional<String> adminToken,
            Map<String, List<Permission>> certGrants, boolean openHealth, boolean openMetrics, boolean insecure) {
        this(tls, authRequired, adminToken, certGrants, openHealth, openMetrics, insecure, AtRest.NONE);
    }

    /** A copy with other encryption-at-rest settings. */
    public SecurityConfig withAtRest(AtRest v) {
        return new SecurityConfig(tls, authRequired, adminToken, certGrants, openHealth, openMetrics, insecure, v);
    }

    /** Whether the listener is protected: TLS and required authentication. */
    public boolean secured() {
        return tls.isPresent() && authRequired;
    }

    /** A copy with TLS. */
    public SecurityConfig withTls(Tls v) {
        return new SecurityConfig(Optional.of(v), authRequired, adminToken, certGrants, openHealth, openMetrics,
                insecure, atRest);
    }

    /** A copy with authentication required or not. */
    public SecurityConfig withAuthRequired(boolean v) {
        return new SecurityConfig(tls, v, adminToken, certGrants, openHealth, openMetrics, insecure, atRest);
    }

    /** A copy with a bootstrap admin token. */
    public SecurityConfig withAdminToken(String v) {
        return new SecurityConfig(tls, authRequired, Optional.of(v), certGrants, openHealth, openMetrics, insecure,
                atRest);
    }

    /** A copy with permissions for client-certificate identities. */
    public SecurityConfig withCertGrants(Map<String, List<Permission>> v) {
        return new SecurityConfig(tls, authRequired, adminToken, v, openHealth, openMetrics, insecure, atRest);
    }

    /** A copy with health and metrics open or closed. */
    public SecurityConfig withOpen(boolean health, boolean metrics) {
        return new SecurityConfig(tls, authRequired, adminToken, certGrants, health, metrics, insecure, atRest);
    }

    /** A copy with {@code insecure} set. */
    public SecurityConfig withInsecure(boolean v) {
        return new SecurityConfig(tls, authRequired, adminToken, certGrants, openHealth, openMetrics, v, atRest);
    }

    /**
     * Parses {@code identity=perm,perm;identity=perm}, e.g.
     * {@code worker-1=consume:orders.*;spiffe://acme/ops=admin:*}.
     *
     * @throws SpoolException {@code invalid_argument} naming {@code cert-grants}
     */
    public static Map<String, List<Permission>> parseGrants(String text) {
        Map<String, List<Permission>> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String entry : text.split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.lastIndexOf('=');
            if (eq <= 0) {
                throw SpoolException.invalid("cert-grants", "cert-grants is identity=perm,perm;identity=perm");
            }
            List<Permission> perms = new ArrayList<>();
            for (String p : entry.substring(eq + 1).split(",")) {
                try {
                    perms.add(Permission.parse(p));
                } catch (SpoolException e) {
                    throw SpoolException.invalid("cert-grants", e.getMessage());
                }
            }
            out.put(entry.substring(0, eq).strip(), List.copyOf(perms));
        }
        return out;
    }

    @Override
    public String toString() {
        return "SecurityConfig[tls=" + tls + ", authRequired=" + authRequired + ", adminToken="
                + (adminToken.isPresent() ? "***" : "none") + ", certGrants=" + certGrants.keySet() + ", openHealth="
                + openHealth + ", openMetrics=" + openMetrics + ", insecure=" + insecure + ", keyring="
                + atRest.keyring().map(Object::toString).orElse("none") + ", encryptAll=" + atRest.encryptAll() + "]";
    }

    /** Which TLS implementation the listener uses ({@code tls-engine}). */
    public enum TlsEngine {
        /** BoringSSL through netty-tcnative when its native library loads on this platform, else the JDK's. */
        AUTO,
        /** The JDK's JSSE. */
        JDK,
        /** BoringSSL through netty-tcnative; the server refuses to start when it cannot load. */
        OPENSSL;

        /**
         * Parses {@code auto}, {@code jdk} or {@code openssl}.
         *
         * @throws SpoolException {@code invalid_argument} naming {@code tls-engine}
         */
        public static TlsEngine parse(String text) {
            return switch (text == null ? "" : text.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "auto" -> AUTO;
                case "jdk" -> JDK;
                case "openssl" -> OPENSSL;
                default -> throw SpoolException.invalid("tls-engine", "tls-engine must be auto, jdk or openssl");
            };
        }
    }

    /**
     * TLS on the listener.
     *
     * @param cert PEM certificate chain, server certificate first
     * @param key PEM private key (PKCS#8, or PKCS#1 RSA)
     * @param clientCa PEM CA bundle verifying client certificates; empty for no mutual TLS
     * @param clientCertRequired with a CA: whether a connection without a client certificate is
     *        refused (true) or may authenticate with a token instead (false)
     * @param reloadMs how often the files' modification times are checked; a change reloads them
     *        for new connections without a restart; 0 never
     * @param engine the TLS implementation
     */
    public record Tls(Path cert, Path key, Optional<Path> clientCa, boolean clientCertRequired, long reloadMs,
            TlsEngine engine) {
        /** Checks. */
        public Tls {
            if (cert == null || key == null || clientCa == null) {
                throw SpoolException.invalid("tls-cert", "tls-cert and tls-key go together");
            }
            if (reloadMs < 0 || reloadMs > 24L * 3600 * 1000) {
                throw SpoolException.invalid("tls-reload-ms", "tls-reload-ms must be between 0 and 86400000");
            }
            if (engine == null) {
                throw SpoolException.invalid("tls-engine", "tls-engine must be auto, jdk or openssl");
            }
        }

        /** With the engine chosen automatically ({@link TlsEngine#AUTO}). */
        public Tls(Path cert, Path key, Optional<Path> clientCa, boolean clientCertRequired, long reloadMs) {
            this(cert, key, clientCa, clientCertRequired, reloadMs, TlsEngine.AUTO);
        }

        /** A copy with another engine. */
        public Tls withEngine(TlsEngine v) {
            return new Tls(cert, key, clientCa, clientCertRequired, reloadMs, v);
        }
    }
}
