package dev.spool.postgres;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.spool.api.SpoolException;

/**
 * Where the PostgreSQL backend finds its database and how many resources it may use.
 *
 * <p>The usual form is a URL, {@code postgresql://user[:password]@host[:port]/db[?params]} (the
 * {@code postgres://} scheme is accepted too, as is a leading {@code jdbc:}). Spool's own parameters
 * are {@code pool_size} (connections used for requests, default 8; one more is used for
 * {@code LISTEN}), {@code connect_timeout_ms} (default 2000) and {@code max_queued} (requests that
 * may wait for a connection, default 10000); every other parameter (for example {@code sslmode})
 * is handed to the PostgreSQL JDBC driver unchanged. User, password and parameter values may be
 * percent-encoded. {@link #toString()} never shows the password.
 *
 * @param host database host
 * @param port database port
 * @param database database name
 * @param user user name
 * @param password password, if the server asks for one
 * @param poolSize connections (and worker threads) serving requests, 1 to 256
 * @param connectTimeoutMs how long opening a connection may take before the database counts as unreachable
 * @param maxQueued most requests waiting for a free connection; past it calls fail with TOO_MANY_REQUESTS
 * @param driverProperties extra JDBC driver properties
 */
public record PostgresConfig(String host, int port, String database, String user, Optional<String> password,
        int poolSize, long connectTimeoutMs, int maxQueued, Map<String, String> driverProperties) {

    /** Default number of request connections. */
    public static final int DEFAULT_POOL_SIZE = 8;
    /** Default connect timeout. */
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 2000;
    /** Default bound of waiting requests. */
    public static final int DEFAULT_MAX_QUEUED = 10_000;

    /** Validates every field and copies the property map. */
    public PostgresConfig {
        if (host == null || host.isBlank()) {
            throw SpoolException.invalid("storage", "the PostgreSQL URL needs a host");
        }
        if (port < 1 || port > 65535) {
            throw SpoolException.invalid("storage", "port must be between 1 and 65535, got " + port);
        }
        if (database == null || database.isBlank()) {
            throw SpoolException.invalid("storage", "the PostgreSQL URL needs a database: postgresql://user@host/db");
        }
        if (user == null || user.isBlank()) {
            throw SpoolException.invalid("storage", "the PostgreSQL URL needs a user: postgresql://user@host/db");
        }
        if (password == null || driverProperties == null) {
            throw new IllegalArgumentException("password and driverProperties must not be null");
        }
        if (poolSize < 1 || poolSize > 256) {
            throw SpoolException.invalid("pool_size", "must be between 1 and 256, got " + poolSize);
        }
        if (connectTimeoutMs < 100 || connectTimeoutMs > 300_000) {
            throw SpoolException.invalid("connect_timeout_ms", "must be between 100 and 300000, got " + connectTimeoutMs);
        }
        if (maxQueued < 1) {
            throw SpoolException.invalid("max_queued", "must be positive, got " + maxQueued);
        }
        driverProperties = Map.copyOf(driverProperties);
    }

    /**
     * Parses a URL of the form {@code postgresql://user[:password]@host[:port]/db[?params]}.
     *
     * @throws SpoolException {@link dev.spool.api.ErrorCode#INVALID_ARGUMENT} naming what is wrong
     */
    public static PostgresConfig parse(String url) {
        if (url == null) {
            throw SpoolException.invalid("storage", "a PostgreSQL URL is needed");
        }
        String rest = url.startsWith("jdbc:") ? url.substring(5) : url;
        if (rest.startsWith("postgresql://")) {
            rest = rest.substring("postgresql://".length());
        } else if (rest.startsWith("postgres://")) {
            rest = rest.substring("postgres://".length());
        } else {
            throw SpoolException.invalid("storage", "a PostgreSQL URL starts with postgresql://");
        }
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int at = rest.lastIndexOf('@');
        if (at < 0) {
            throw SpoolException.invalid("storage", "the PostgreSQL URL needs a user: postgresql://user@host/db");
        }
        String userInfo = rest.substring(0, at);
        String hostPart = rest.substring(at + 1);
        int slash = hostPart.indexOf('/');
        if (slash < 0) {
            throw SpoolException.invalid("storage", "the PostgreSQL URL needs a database: postgresql://user@host/db");
        }
        String database = decode(hostPart.substring(slash + 1));
        String hostPort = hostPart.substring(0, slash);
        String host = hostPort;
        int port = 5432;
        int colon = hostPort.lastIndexOf(':');
        if (colon >= 0 && hostPort.indexOf(']') < colon) {
            host = hostPort.substring(0, colon);
            port = parseInt("port", hostPort.substring(colon + 1));
        }
        int uc = userInfo.indexOf(':');
        String user = decode(uc < 0 ? userInfo : userInfo.substring(0, uc));
        Optional<String> password = uc < 0 ? Optional.empty() : Optional.of(decode(userInfo.substring(uc + 1)));
        return withParams(host, port, database, user, password, query);
    }

    private static PostgresConfig withParams(String host, int port, String database, String user,
            Optional<String> password, String query) {
        int pool = DEFAULT_POOL_SIZE;
        long connect = DEFAULT_CONNECT_TIMEOUT_MS;
        int queued = DEFAULT_MAX_QUEUED;
        Map<String, String> props = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            switch (k) {
                case "pool_size" -> pool = parseInt(k, v);
                case "connect_timeout_ms" -> connect = parseInt(k, v);
                case "max_queued" -> queued = parseInt(k, v);
                default -> props.put(k, v);
            }
        }
        return new PostgresConfig(host, port, database, user, password, pool, connect, queued, props);
    }

    /** A copy with another pool size. */
    public PostgresConfig withPoolSize(int v) {
        return new PostgresConfig(host, port, database, user, password, v, connectTimeoutMs, maxQueued,
                driverProperties);
    }

    /** A copy pointing at another database of the same server. */
    public PostgresConfig withDatabase(String v) {
        return new PostgresConfig(host, port, v, user, password, poolSize, connectTimeoutMs, maxQueued,
                driverProperties);
    }

    /** The JDBC URL (without credentials). */
    public String jdbcUrl() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + h + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return "postgresql://" + user + (password.isPresent() ? ":***" : "") + "@" + host + ":" + port + "/"
                + database + "?pool_size=" + poolSize;
    }

    private static int parseInt(String field, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw SpoolException.invalid(field, "not a number: '" + v + "'");
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
