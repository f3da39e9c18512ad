package dev.spool.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.spool.api.BrokerLimits;
import dev.spool.api.QueueConfig;
import dev.spool.api.RetryBackoff;
import dev.spool.api.SpoolException;
import dev.spool.api.crypto.AtRest;
import dev.spool.api.crypto.Keyring;
import dev.spool.embedded.FlowControl;
import dev.spool.embedded.FsyncPolicy;
import dev.spool.server.push.PushSettings;
import dev.spool.server.security.SecurityConfig;
import dev.spool.server.sqs.SqsConfig;
import dev.spool.server.trace.TracingConfig;

/**
 * Reads a {@link ServerConfig} from defaults, a config file, environment variables and flags, in
 * increasing precedence.
 *
 * <p>The file format is one {@code key: value} (or {@code key = value}) per line; blank lines and
 * lines starting with {@code #} are ignored; a value may be wrapped in single or double quotes. An
 * unknown key in the file or the flags is an error (a typo must not silently fall back to a
 * default); unknown {@code SPOOL_*} environment variables are ignored because other Spool tools
 * share the prefix.
 */
final class ConfigLoader {
    private final Map<ConfigKey, String> values = new EnumMap<>(ConfigKey.class);
    private final Map<ConfigKey, String> sources = new EnumMap<>(ConfigKey.class);

    private ConfigLoader() {
        for (ConfigKey k : ConfigKey.values()) {
            values.put(k, k.defaultValue());
            sources.put(k, "default");
        }
    }

    static ServerConfig load(Map<String, String> flags, Map<String, String> env) {
        ConfigLoader loader = new ConfigLoader();
        Optional<String> file = configFile(flags, env);
        if (file.isPresent()) {
            loader.readFile(Path.of(file.get()));
        }
        for (ConfigKey k : ConfigKey.values()) {
            String v = env.get(k.env());
            if (v != null) {
                loader.set(k, v, k.env());
            }
        }
        for (Map.Entry<String, String> e : flags.entrySet()) {
            if (isConfigFlag(e.getKey())) {
                continue;
            }
            ConfigKey k = ConfigKey.find(e.getKey()).orElseThrow(() -> SpoolException.invalid(e.getKey(),
                    "unknown configuration flag '" + e.getKey() + "'"));
            loader.set(k, e.getValue(), "flag --" + k.key());
        }
        return loader.build();
    }

    private static Optional<String> configFile(Map<String, String> flags, Map<String, String> env) {
        for (Map.Entry<String, String> e : flags.entrySet()) {
            if (isConfigFlag(e.getKey()) && e.getValue() != null && !e.getValue().isBlank()) {
                return Optional.of(e.getValue());
            }
        }
        String v = env.get(ConfigKey.CONFIG_ENV);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
    }

    private static boolean isConfigFlag(String name) {
        return ConfigKey.CONFIG_FLAG.equals(name.trim().toLowerCase(Locale.ROOT));
    }

    private void readFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw SpoolException.invalid(ConfigKey.CONFIG_FLAG, "cannot read config file " + file + ": " + e);
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + ":" + (i + 1);
            int sep = firstSeparator(line);
            if (sep <= 0) {
                throw SpoolException.invalid(ConfigKey.CONFIG_FLAG, where + ": expected 'key: value'");
            }
            String name = line.substring(0, sep).strip();
            ConfigKey k = ConfigKey.find(name).orElseThrow(() -> SpoolException.invalid(name,
                    where + ": unknown configuration key '" + name + "'"));
            set(k, unquote(line.substring(sep + 1).strip()), where);
        }
    }

    private static int firstSeparator(String line) {
        int colon = line.indexOf(':');
        int eq = line.indexOf('=');
        if (colon < 0) {
            return eq;
        }
        return eq < 0 ? colon : Math.min(colon, eq);
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }

    private void set(ConfigKey k, String value, String source) {
        if (value == null) {
            throw SpoolException.invalid(k.key(), k.key() + " (" + source + "): a value is needed");
        }
        values.put(k, value.strip());
        sources.put(k, source);
    }

    private ServerConfig build() {
        ServerConfig.Listener listener = attributed(ConfigKey.PORT, () -> new ServerConfig.Listener(
                text(ConfigKey.HOST), integer(ConfigKey.PORT), integer(ConfigKey.MAX_CONNECTIONS),
                number(ConfigKey.MAX_REQUEST_BYTES), number(ConfigKey.IDLE_TIMEOUT_MS),
                integer(ConfigKey.EVENT_LOOPS)));
        ServerConfig.StorageConfig storage = attributed(ConfigKey.STORAGE, () -> new ServerConfig.StorageConfig(
                ServerConfig.Storage.parse(text(ConfigKey.STORAGE)), Path.of(text(ConfigKey.DATA_DIR)),
                FsyncPolicy.parse(text(ConfigKey.FSYNC)), number(ConfigKey.SEGMENT_BYTES),
                number(ConfigKey.PAYLOAD_CACHE_BYTES), number(ConfigKey.SPOOL_THRESHOLD_BYTES),
                number(ConfigKey.MAX_DEDUP_IDS), number(ConfigKey.MAX_RESULT_BYTES), flow()));
        BrokerLimits limits = new BrokerLimits(positive(ConfigKey.MAX_QUEUES, 1),
                positive(ConfigKey.MAX_GROUPS_PER_QUEUE, 1), positive(ConfigKey.MAX_BATCH, 1),
                positive(ConfigKey.MAX_POP, 1), positive(ConfigKey.MAX_WAIT_MS, 0),
                positive(ConfigKey.MAX_WAITERS, 0), positive(ConfigKey.MAX_TX_OPS, 1),
                positive(ConfigKey.MAX_BROWSE, 1));
        QueueConfig defaults = attributed(ConfigKey.VISIBILITY_TIMEOUT_MS, () -> new QueueConfig(
                number(ConfigKey.VISIBILITY_TIMEOUT_MS), integer(ConfigKey.MAX_ATTEMPTS), Optional.empty(),
                new RetryBackoff(number(ConfigKey.RETRY_INITIAL_MS), number(ConfigKey.RETRY_MAX_MS),
                        decimal(ConfigKey.RETRY_MULTIPLIER), bool(ConfigKey.RETRY_JITTER)),
                number(ConfigKey.RETENTION_MS), number(ConfigKey.MESSAGE_TTL_MS), number(ConfigKey.MAX_MESSAGE_BYTES),
                number(ConfigKey.DEDUP_WINDOW_MS), number(ConfigKey.RESULT_TTL_MS), false).validate());
        SqsConfig sqs = attributed(ConfigKey.SQS_ACCOUNT_ID, () -> new SqsConfig(bool(ConfigKey.SQS_ENABLED),
                text(ConfigKey.SQS_ACCOUNT_ID), text(ConfigKey.SQS_REGION),
                attributed(ConfigKey.SQS_ACCESS_KEYS, () -> SqsConfig.parseAccessKeys(text(ConfigKey.SQS_ACCESS_KEYS))),
                bool(ConfigKey.SQS_ALLOW_UNSIGNED),
                attributed(ConfigKey.SQS_KEY_GRANTS, () -> SqsConfig.parseKeyGrants(text(ConfigKey.SQS_KEY_GRANTS)))));
        PushSettings push = attributed(ConfigKey.PUSH_ALLOW, () -> new PushSettings(bool(ConfigKey.PUSH_ENABLED),
                PushSettings.parseAllow(text(ConfigKey.PUSH_ALLOW)), bool(ConfigKey.PUSH_ALLOW_PUBLIC),
                number(ConfigKey.PUSH_SCAN_MS), text(ConfigKey.PUSH_CA_FILE).isBlank() ? java.util.Optional.empty()
                        : java.util.Optional.of(java.nio.file.Path.of(text(ConfigKey.PUSH_CA_FILE)))));
        ServerConfig.Edge edge = attributed(ConfigKey.MAX_BODY_BYTES_IN_FLIGHT, () -> new ServerConfig.Edge(
                number(ConfigKey.MAX_BODY_BYTES_IN_FLIGHT), number(ConfigKey.HEADER_TIMEOUT_MS),
                number(ConfigKey.BODY_TIMEOUT_MS), integer(ConfigKey.MAX_HTTP2_STREAMS),
                integer(ConfigKey.MAX_STREAM_REQUESTS), integer(ConfigKey.METRICS_MAX_QUEUES),
                integer(ConfigKey.MAX_GROUPS)));
        SecurityConfig security = attributed(ConfigKey.AUTH, this::security);
        TracingConfig tracing = attributed(ConfigKey.OTLP_ENDPOINT, this::tracing);
        return attributed(ConfigKey.SHUTDOWN_TIMEOUT_MS, () -> new ServerConfig(listener, storage,
                bool(ConfigKey.AUTO_CREATE), defaults, limits, number(ConfigKey.SHUTDOWN_TIMEOUT_MS), edge, sqs,
                push, security, tracing));
    }

    private TracingConfig tracing() {
        TracingConfig.parseProtocol(text(ConfigKey.OTLP_PROTOCOL));
        return new TracingConfig(TracingConfig.parseEndpoint(text(ConfigKey.OTLP_ENDPOINT)),
                TracingConfig.parseHeaders(text(ConfigKey.OTLP_HEADERS)), text(ConfigKey.OTLP_SERVICE_NAME),
                decimal(ConfigKey.OTLP_SAMPLING_RATIO));
    }

    private SecurityConfig security() {
        Optional<SecurityConfig.Tls> tlsOf = Optional.empty();
        String cert = text(ConfigKey.TLS_CERT);
        String key = text(ConfigKey.TLS_KEY);
        String ca = text(ConfigKey.TLS_CLIENT_CA);
        if (cert.isEmpty() != key.isEmpty()) {
            throw bad(cert.isEmpty() ? ConfigKey.TLS_CERT : ConfigKey.TLS_KEY, "tls-cert and tls-key go together");
        }
        if (!cert.isEmpty()) {
            tlsOf = Optional.of(new SecurityConfig.Tls(Path.of(cert), Path.of(key),
                    ca.isEmpty() ? Optional.empty() : Optional.of(Path.of(ca)), bool(ConfigKey.TLS_CLIENT_CERT_REQUIRED),
                    number(ConfigKey.TLS_RELOAD_MS), tlsEngine()));
        } else if (!ca.isEmpty()) {
            throw bad(ConfigKey.TLS_CLIENT_CA, "tls-client-ca needs tls-cert and tls-key");
        }
        Optional<SecurityConfig.Tls> tls = tlsOf;
        boolean auth = switch (text(ConfigKey.AUTH).toLowerCase(Locale.ROOT)) {
            case "none" -> false;
            case "required" -> true;
            default -> throw bad(ConfigKey.AUTH, "must be none or required");
        };
        String admin = text(ConfigKey.ADMIN_TOKEN);
        if (!admin.isEmpty() && admin.length() < 16) {
            // the value is a secret: the error must not quote it
            throw SpoolException.invalid(ConfigKey.ADMIN_TOKEN.key(), ConfigKey.ADMIN_TOKEN.key() + " ("
                    + sources.get(ConfigKey.ADMIN_TOKEN) + "): must be at least 16 characters");
        }
        return attributed(ConfigKey.CERT_GRANTS, () -> new SecurityConfig(tls, auth,
                admin.isEmpty() ? Optional.empty() : Optional.of(admin),
                SecurityConfig.parseGrants(text(ConfigKey.CERT_GRANTS)), bool(ConfigKey.OPEN_HEALTH),
                bool(ConfigKey.OPEN_METRICS), bool(ConfigKey.INSECURE), atRest()));
    }

    /** The keyring from {@code encryption-keys-file} or {@code encryption-keys}; errors never quote a key. */
    private AtRest atRest() {
        String file = text(ConfigKey.ENCRYPTION_KEYS_FILE);
        String inline = text(ConfigKey.ENCRYPTION_KEYS);
        if (!file.isEmpty() && !inline.isEmpty()) {
            // the value is key material: the error must not quote it
            throw SpoolException.invalid(ConfigKey.ENCRYPTION_KEYS.key(), ConfigKey.ENCRYPTION_KEYS.key() + " ("
                    + sources.get(ConfigKey.ENCRYPTION_KEYS) + "): encryption-keys-file and encryption-keys exclude "
                    + "each other");
        }
        boolean all = bool(ConfigKey.ENCRYPT_ALL);
        Optional<Keyring> ring;
        try {
            ring = !file.isEmpty() ? Optional.of(Keyring.load(Path.of(file)))
                    : !inline.isEmpty() ? Optional.of(Keyring.parse(inline, ConfigKey.ENCRYPTION_KEYS.env()))
                    : Optional.empty();
        } catch (IllegalArgumentException e) {
            ConfigKey k = file.isEmpty() ? ConfigKey.ENCRYPTION_KEYS : ConfigKey.ENCRYPTION_KEYS_FILE;
            throw SpoolException.invalid(k.key(), k.key() + " (" + sources.get(k) + "): " + e.getMessage());
        }
        if (all && ring.isEmpty()) {
            throw bad(ConfigKey.ENCRYPT_ALL, "encrypt-all needs encryption-keys-file or encryption-keys");
        }
        long reloadMs = integer(ConfigKey.ENCRYPTION_KEYS_RELOAD_MS);
        if (reloadMs < 0) {
            throw bad(ConfigKey.ENCRYPTION_KEYS_RELOAD_MS, "must be 0 (on SIGHUP only) or more");
        }
        int batch = integer(ConfigKey.ENCRYPTION_RESEAL_BATCH);
        if (batch < 0) {
            throw bad(ConfigKey.ENCRYPTION_RESEAL_BATCH, "must be 0 (off) or more");
        }
        return new AtRest(ring, all, batch, file.isEmpty() ? Optional.empty() : Optional.of(Path.of(file)), reloadMs);
    }

    /** The flow control of pushes from the {@code flow-*} keys (docs/configuration.md). */
    private FlowControl flow() {
        long ms = atLeast(ConfigKey.FLOW_BACKLOG_MS, 0);
        long messages = atLeast(ConfigKey.FLOW_BACKLOG_MESSAGES, 1);
        long hold = atLeast(ConfigKey.FLOW_MAX_HOLD_MS, 0);
        return new FlowControl(ms, messages, hold, positive(ConfigKey.FLOW_MAX_HELD, 0));
    }

    private long atLeast(ConfigKey k, long min) {
        long v = number(k);
        if (v < min) {
            throw bad(k, "must be at least " + min);
        }
        return v;
    }

    private int positive(ConfigKey k, int min) {
        int v = integer(k);
        if (v < min) {
            throw bad(k, "must be at least " + min);
        }
        return v;
    }

    /** Runs a parse step, adding where the offending value came from to any error. */
    private <T> T attributed(ConfigKey fallback, java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (SpoolException e) {
            if (e.field().flatMap(ConfigKey::find).map(k -> e.getMessage().startsWith(k.key() + " ("))
                    .orElse(false)) {
                throw e;
            }
            String field = e.field().map(ConfigLoader::toKey).orElse(fallback.key());
            ConfigKey k = ConfigKey.find(field).orElse(fallback);
            throw SpoolException.invalid(k.key(), k.key() + " (" + sources.get(k) + "): " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw SpoolException.invalid(fallback.key(), fallback.key() + " (" + sources.get(fallback) + "): "
                    + e.getMessage());
        }
    }

    /** Maps a QueueConfig wire field (e.g. {@code retry_backoff.max_ms}) to its config key. */
    private static String toKey(String field) {
        return field.replace("retry_backoff.", "retry-").replace('_', '-');
    }

    private SecurityConfig.TlsEngine tlsEngine() {
        try {
            return SecurityConfig.TlsEngine.parse(text(ConfigKey.TLS_ENGINE));
        } catch (SpoolException e) {
            throw bad(ConfigKey.TLS_ENGINE, "must be auto, jdk or openssl");
        }
    }

    private String text(ConfigKey k) {
        return values.get(k);
    }

    private long number(ConfigKey k) {
        try {
            return Long.parseLong(values.get(k).replace("_", ""));
        } catch (NumberFormatException e) {
            throw bad(k, "must be a whole number");
        }
    }

    private int integer(ConfigKey k) {
        long v = number(k);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw bad(k, "is out of range");
        }
        return (int) v;
    }

    private double decimal(ConfigKey k) {
        try {
            return Double.parseDouble(values.get(k));
        } catch (NumberFormatException e) {
            throw bad(k, "must be a number");
        }
    }

    private boolean bool(ConfigKey k) {
        String v = values.get(k).toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw bad(k, "must be true or false");
        };
    }

    private SpoolException bad(ConfigKey k, String why) {
        return SpoolException.invalid(k.key(), k.key() + " (" + sources.get(k) + "): " + why + ", got '"
                + values.get(k) + "'");
    }
}
