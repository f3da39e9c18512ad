package dev.spool.server;

import java.util.Locale;
import java.util.Optional;

/**
 * Every configuration key with its default, in the order of {@code docs/configuration.md}.
 *
 * <p>A key has one spelling in files and flags ({@link #key()}, words joined by {@code -}; {@code _}
 * is accepted too) and one environment variable ({@link #env()}: {@code SPOOL_} and the key in upper
 * case with {@code _}).
 */
enum ConfigKey {
    HOST("host", "127.0.0.1"),
    PORT("port", "7070"),
    MAX_CONNECTIONS("max-connections", "10000"),
    MAX_REQUEST_BYTES("max-request-bytes", "33554432"),
    IDLE_TIMEOUT_MS("idle-timeout-ms", "120000"),
    EVENT_LOOPS("event-loops", "0"),
    STORAGE("storage", "journal"),
    DATA_DIR("data-dir", "./spool-data"),
    FSYNC("fsync", "always"),
    SEGMENT_BYTES("segment-bytes", "67108864"),
    PAYLOAD_CACHE_BYTES("payload-cache-bytes", "67108864"),
    SPOOL_THRESHOLD_BYTES("spool-threshold-bytes", "262144"),
    MAX_DEDUP_IDS("max-dedup-ids", "1000000"),
    MAX_RESULT_BYTES("max-result-bytes", "67108864"),
    FLOW_BACKLOG_MS("flow-backlog-ms", "0"),
    FLOW_BACKLOG_MESSAGES("flow-backlog-messages", "10000"),
    FLOW_MAX_HOLD_MS("flow-max-hold-ms", "5000"),
    FLOW_MAX_HELD("flow-max-held", "65536"),
    AUTO_CREATE("auto-create", "true"),
    MAX_QUEUES("max-queues", "10000"),
    MAX_GROUPS_PER_QUEUE("max-groups-per-queue", "1000"),
    MAX_BATCH("max-batch", "10000"),
    MAX_POP("max-pop", "1000"),
    MAX_WAIT_MS("max-wait-ms", "60000"),
    MAX_WAITERS("max-waiters", "10000"),
    MAX_TX_OPS("max-tx-ops", "1000"),
    MAX_BROWSE("max-browse", "1000"),
    VISIBILITY_TIMEOUT_MS("visibility-timeout-ms", "30000"),
    MAX_ATTEMPTS("max-attempts", "5"),
    RETENTION_MS("retention-ms", "0"),
    MESSAGE_TTL_MS("message-ttl-ms", "1209600000"),
    MAX_MESSAGE_BYTES("max-message-bytes", "16777216"),
    DEDUP_WINDOW_MS("dedup-window-ms", "300000"),
    RESULT_TTL_MS("result-ttl-ms", "3600000"),
    RETRY_INITIAL_MS("retry-initial-ms", "1000"),
    RETRY_MAX_MS("retry-max-ms", "300000"),
    RETRY_MULTIPLIER("retry-multiplier", "2.0"),
    RETRY_JITTER("retry-jitter", "true"),
    SHUTDOWN_TIMEOUT_MS("shutdown-timeout-ms", "30000"),
    SQS_ENABLED("sqs-enabled", "true"),
    SQS_ACCOUNT_ID("sqs-account-id", "000000000000"),
    SQS_REGION("sqs-region", "us-east-1"),
    SQS_ACCESS_KEYS("sqs-access-keys", ""),
    SQS_ALLOW_UNSIGNED("sqs-allow-unsigned", "false"),
    SQS_KEY_GRANTS("sqs-key-grants", ""),
    PUSH_ENABLED("push-enabled", "true"),
    PUSH_ALLOW("push-allow", ""),
    PUSH_ALLOW_PUBLIC("push-allow-public", "true"),
    PUSH_SCAN_MS("push-scan-ms", "2000"),
    PUSH_CA_FILE("push-ca-file", ""),
    MAX_BODY_BYTES_IN_FLIGHT("max-body-bytes-in-flight", "67108864"),
    HEADER_TIMEOUT_MS("header-timeout-ms", "10000"),
    BODY_TIMEOUT_MS("body-timeout-ms", "30000"),
    MAX_HTTP2_STREAMS("max-http2-streams", "100"),
    MAX_STREAM_REQUESTS("max-stream-requests", "1000"),
    METRICS_MAX_QUEUES("metrics-max-queues", "100"),
    MAX_GROUPS("max-groups", "10000"),
    // ---- tracing (docs/operations.md) ----
    OTLP_ENDPOINT("otlp-endpoint", ""),
    OTLP_PROTOCOL("otlp-protocol", "http/protobuf"),
    OTLP_HEADERS("otlp-headers", ""),
    OTLP_SERVICE_NAME("otlp-service-name", "spool"),
    OTLP_SAMPLING_RATIO("otlp-sampling-ratio", "1.0"),
    // ---- security (docs/security.md) ----
    TLS_CERT("tls-cert", ""),
    TLS_KEY("tls-key", ""),
    TLS_CLIENT_CA("tls-client-ca", ""),
    TLS_CLIENT_CERT_REQUIRED("tls-client-cert-required", "true"),
    TLS_RELOAD_MS("tls-reload-ms", "5000"),
    TLS_ENGINE("tls-engine", "auto"),
    AUTH("auth", "none"),
    ADMIN_TOKEN("admin-token", ""),
    CERT_GRANTS("cert-grants", ""),
    OPEN_HEALTH("open-health", "true"),
    OPEN_METRICS("open-metrics", "false"),
    INSECURE("insecure", "false"),
    ENCRYPTION_KEYS_FILE("encryption-keys-file", ""),
    ENCRYPTION_KEYS("encryption-keys", ""),
    ENCRYPT_ALL("encrypt-all", "false"),
    ENCRYPTION_KEYS_RELOAD_MS("encryption-keys-reload-ms", "5000"),
    ENCRYPTION_RESEAL_BATCH("encryption-reseal-batch", "500");

    /** The flag (and environment variable {@code SPOOL_CONFIG}) naming the config file. */
    static final String CONFIG_FLAG = "config";
    /** Environment variable naming the config file. */
    static final String CONFIG_ENV = "SPOOL_CONFIG";

    private final String key;
    private final String defaultValue;

    ConfigKey(String key, String defaultValue) {
        this.key = key;
        this.defaultValue = defaultValue;
    }

    /** The spelling in files and flags. */
    String key() {
        return key;
    }

    /** The environment variable. */
    String env() {
        return "SPOOL_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The built-in default. */
    String defaultValue() {
        return defaultValue;
    }

    /** Finds a key by its file or flag spelling ({@code _} and {@code -} are the same). */
    static Optional<ConfigKey> find(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (ConfigKey k : values()) {
            if (k.key.equals(n)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }
}
