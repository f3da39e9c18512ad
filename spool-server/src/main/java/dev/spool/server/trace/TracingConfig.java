package dev.spool.server.trace;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.spool.api.SpoolException;

/**
 * Where and how spans are exported ({@code docs/operations.md}, keys {@code otlp-*}).
 *
 * @param endpoint the OTLP/HTTP base URL (for example {@code http://localhost:4318}; spans go to its
 *        {@code /v1/traces}), or empty for no tracing at all
 * @param headers HTTP headers sent with every export (collector credentials: never logged)
 * @param serviceName the {@code service.name} resource attribute
 * @param samplingRatio the share of new traces recorded, 0 to 1; a message that carries a
 *        traceparent follows its sampled flag
 */
public record TracingConfig(Optional<URI> endpoint, Map<String, String> headers, String serviceName,
        double samplingRatio) {
    /** No tracing: the default. */
    public static final TracingConfig OFF = new TracingConfig(Optional.empty(), Map.of(), "spool", 1.0);
    /** The one protocol this build exports with (the JDK HTTP sender: no gRPC, no OkHttp). */
    public static final String HTTP_PROTOBUF = "http/protobuf";

    /** Checks the values. */
    public TracingConfig {
        headers = Map.copyOf(headers);
        if (serviceName == null || serviceName.isBlank()) {
            throw SpoolException.invalid("otlp-service-name", "must not be empty");
        }
        if (!(samplingRatio >= 0 && samplingRatio <= 1)) {
            throw SpoolException.invalid("otlp-sampling-ratio", "a number from 0 to 1");
        }
    }

    /** Whether spans are exported. */
    public boolean enabled() {
        return endpoint.isPresent();
    }

    /** The full URL spans are posted to: the base endpoint's {@code /v1/traces}, unless it names that path already. */
    public String tracesUrl() {
        String base = endpoint.orElseThrow().toString();
        if (base.endsWith("/v1/traces")) {
            return base;
        }
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/traces";
    }

    /** Parses the {@code otlp-endpoint} value: empty for off, else an {@code http} or {@code https} URL. */
    public static Optional<URI> parseEndpoint(String v) {
        String s = v.strip();
        if (s.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI u = new URI(s);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
                throw SpoolException.invalid("otlp-endpoint", "an http:// or https:// URL such as http://localhost:4318");
            }
            return Optional.of(u);
        } catch (java.net.URISyntaxException e) {
            throw SpoolException.invalid("otlp-endpoint", "an http:// or https:// URL such as http://localhost:4318");
        }
    }

    /** Checks the {@code otlp-protocol} value: only {@value #HTTP_PROTOBUF} is built in. */
    public static String parseProtocol(String v) {
        String s = v.strip().toLowerCase(Locale.ROOT);
        if (!s.equals(HTTP_PROTOBUF)) {
            throw SpoolException.invalid("otlp-protocol", "only http/protobuf (OTLP over HTTP, port 4318) is "
                    + "supported; gRPC export is not built in");
        }
        return s;
    }

    /** Parses {@code otlp-headers}: {@code name=value} pairs separated by commas. */
    public static Map<String, String> parseHeaders(String v) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : v.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw SpoolException.invalid("otlp-headers", "name=value pairs separated by commas");
            }
            out.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
        }
        return out;
    }
}
