package dev.spool.server;

import java.nio.file.Path;
import java.util.Map;

import dev.spool.api.BrokerLimits;
import dev.spool.api.QueueConfig;
import dev.spool.api.SpoolException;
import dev.spool.embedded.EmbeddedConfig;
import dev.spool.embedded.FlowControl;
import dev.spool.embedded.FsyncPolicy;
import dev.spool.server.push.PushSettings;
import dev.spool.server.security.SecurityConfig;
import dev.spool.server.sqs.SqsConfig;
import dev.spool.server.trace.TracingConfig;

/**
 * Everything a {@link SpoolServer} runs with: the listener, the storage and the broker's defaults
 * and limits.
 *
 * <p>Built in code (start from {@link #defaults()} and use the {@code with*} copies) or loaded by
 * {@link #load(Map, Map)} from a config file, environment variables and command-line flags, with
 * precedence flags &gt; environment &gt; file &gt; defaults. Every key, its environment variable and
 * its default are listed in {@code docs/configuration.md}.
 *
 * @param listener where and how the HTTP server listens
 * @param storage where messages live
 * @param autoCreateQueues create a queue on its first push (pops never create one)
 * @param queueDefaults configuration of queues created without one, and base of partial updates
 * @param limits broker resource bounds
 * @param shutdownTimeoutMs longest a graceful close waits for in-flight requests
 * @param edge bounds on what one client may hold (bodies, deadlines, streams, metric series)
 * @param sqs the SQS-compatible endpoint
 * @param push push delivery ({@code docs/push.md})
 * @param security TLS, authentication and permissions ({@code docs/security.md})
 * @param tracing OpenTelemetry span export ({@code docs/operations.md}); off by default
 */
public record ServerConfig(Listener listener, StorageConfig storage, boolean autoCreateQueues,
        QueueConfig queueDefaults, BrokerLimits limits, long shutdownTimeoutMs, Edge edge, SqsConfig sqs,
        PushSettings push, SecurityConfig security, TracingConfig tracing) {

    /** Checks for nulls and ranges. */
    public ServerConfig {
        if (listener == null || storage == null || queueDefaults == null || limits == null || edge == null || sqs == null
                || push == null || security == null || tracing == null) {
            throw new IllegalArgumentException("server config fields must not be null");
        }
        queueDefaults.validate();
        if (shutdownTimeoutMs < 0) {
            throw SpoolException.invalid("shutdown-timeout-ms", "must not be negative");
        }
    }

    /** The built-in defaults: journal storage in {@code ./spool-data}, port 7070 on 127.0.0.1. */
    public static ServerConfig defaults() {
        return ConfigLoader.load(Map.of(), Map.of());
    }

    /** Memory storage on an ephemeral port of 127.0.0.1: what tests and embedding usually want. */
    public static ServerConfig ephemeralMemory() {
        ServerConfig d = defaults();
        return d.withListener(d.listener.withPort(0)).withStorage(d.storage.withStorage(Storage.MEMORY));
    }

    /**
     * Loads the configuration. The config file is named by the {@code config} flag or else the
     * {@code SPOOL_CONFIG} environment variable; without either, no file is read.
     *
     * @param flags flag values by key (e.g. {@code port}, {@code data-dir}); {@code _} and {@code -}
     *        are interchangeable; an unknown key is an error
     * @param env environment variables ({@code SPOOL_PORT}, ...); others are ignored
     * @return the configuration
     * @throws SpoolException {@code invalid_argument} naming the key and the source at fault
     */
    public static ServerConfig load(Map<String, String> flags, Map<String, String> env) {
        return ConfigLoader.load(flags, env);
    }

    /** A copy with another listener. */
    public ServerConfig withListener(Listener v) {
        return new ServerConfig(v, storage, autoCreateQueues, queueDefaults, limits, shutdownTimeoutMs, edge, sqs,
                push, security, tracing);
    }

    /** A copy with other storage settings. */
    public ServerConfig withStorage(StorageConfig v) {
        return new ServerConfig(listener, v, autoCreateQueues, queueDefaults, limits, shutdownTimeoutMs, edge, sqs,
                push, security, tracing);
    }

    /** A copy with auto-create on or off. */
    public ServerConfig withAutoCreateQueues(boolean v) {
        return new ServerConfig(listener, storage, v, queueDefaults, limits, shutdownTimeoutMs, edge, sqs,
                push, security, tracing);
    }

    /** A copy with other queue defaults. */
    public ServerConfig withQueueDefaults(QueueConfig v) {
        return new ServerConfig(listener, storage, autoCreateQueues, v, limits, shutdownTimeoutMs, edge, sqs,
                push, security, tracing);
    }

    /** A copy with other limits. */
    public ServerConfig withLimits(BrokerLimits v) {
        return new ServerConfig(listener, storage, autoCreateQueues, queueDefaults, v, shutdownTimeoutMs, edge, sqs,
                push, security, tracing);
    }

    /** A copy with another shutdown timeout. */
    public ServerConfig withShutdownTimeoutMs(long v) {
        return new ServerConfig(listener, storage, autoCreateQueues, queueDefaults, limits, v, edge, sqs, push, security, tracing);
    }

    /** A copy with other SQS endpoint settings. */
    public ServerConfig withSqs(SqsConfig v) {
        return new ServerConfig(listener, storage, autoCreateQueues, queueDefaults, limits, shutdownTimeoutMs, edge, v,
                push, security, tracing);
    }

    /** A copy with other push delivery settings. */
    public ServerConfig withPush(PushSettings v) {
        return new ServerConfig(listener, storage, autoCreateQueues, queueDefaults, limits, shutdownTimeoutMs, edge, sqs,
                v, security, tracing);
    }

    /** A copy with other security settings. */
    public ServerConfig withSecurity(SecurityConfig v) {
        return new ServerConfig(listener, storage, autoCreateQueues, queueDefaults, limits, shutdownTimeoutMs, edge, sqs,
                push, v, tracing);
    }

    /** A copy with other tracing settings. */
    public ServerConfig withTracing(TracingConfig v) {
        return new ServerConfig(listener, storage, autoCreateQueues, queueDefaults, limits, shutdownTimeoutMs, edge, sqs,
                push, security, v);
    }

    /** A copy with other edge bounds. */
    public ServerConfig withEdge(Edge v) {
        return new ServerConfig(listener, storage, autoCreateQueues, queueDefaults, limits, shutdownTimeoutMs, v, sqs,
                push, security, tracing);
    }

    /**
     * What one client may hold, and for how long (see {@code docs/hardening.md}).
     *
     * @param maxBodyBytesInFlight heap for request bodies being read, all connections together;
     *        a body that does not fit gets 429
     * @param headerTimeoutMs a request head must arrive within this of the connection opening (or
     *        of the first byte of a next request); 0 for no deadline
     * @param bodyTimeoutMs a request body must advance by 64 KiB in every period of this length, and
     *        a reply streamed from storage must drain within it; 0 for no deadline
     * @param maxHttp2Streams concurrent streams per HTTP/2 connection
     * @param maxStreamRequests requests of one {@code /v1/stream} socket in flight before the server
     *        stops reading it
     * @param metricsMaxQueues queues with their own series in {@code /metrics}
     * @param maxGroups named groups on all queues together
     */
    public record Edge(long maxBodyBytesInFlight, long headerTimeoutMs, long bodyTimeoutMs, int maxHttp2Streams,
            int maxStreamRequests, int metricsMaxQueues, int maxGroups) {
        /** Checks ranges. */
        public Edge {
            range("max-body-bytes-in-flight", maxBodyBytesInFlight, 1024, 1L << 40);
            range("header-timeout-ms", headerTimeoutMs, 0, 24L * 3600 * 1000);
            range("body-timeout-ms", bodyTimeoutMs, 0, 24L * 3600 * 1000);
            range("max-http2-streams", maxHttp2Streams, 1, 1_000_000);
            range("max-stream-requests", maxStreamRequests, 1, 1_000_000);
            range("metrics-max-queues", metricsMaxQueues, 0, 1_000_000);
            range("max-groups", maxGroups, 0, 100_000_000);
        }

        /** A copy with another body budget. */
        public Edge withMaxBodyBytesInFlight(long v) {
            return new Edge(v, headerTimeoutMs, bodyTimeoutMs, maxHttp2Streams, maxStreamRequests, metricsMaxQueues,
                    maxGroups);
        }

        /** A copy with other read deadlines. */
        public Edge withTimeouts(long headerMs, long bodyMs) {
            return new Edge(maxBodyBytesInFlight, headerMs, bodyMs, maxHttp2Streams, maxStreamRequests,
                    metricsMaxQueues, maxGroups);
        }

        /** A copy with another bound on queues with their own metric series. */
        public Edge withMetricsMaxQueues(int v) {
            return new Edge(maxBodyBytesInFlight, headerTimeoutMs, bodyTimeoutMs, maxHttp2Streams, maxStreamRequests,
                    v, maxGroups);
        }

        /** A copy with another bound on groups. */
        public Edge withMaxGroups(int v) {
            return new Edge(maxBodyBytesInFlight, headerTimeoutMs, bodyTimeoutMs, maxHttp2Streams, maxStreamRequests,
                    metricsMaxQueues, v);
        }
    }

    /**
     * The HTTP listener.
     *
     * @param host interface to bind
     * @param port TCP port; 0 picks a free one (see {@link SpoolServer#port()})
     * @param maxConnections open connections beyond this get 429 and are closed
     * @param maxRequestBytes largest JSON request body (and WebSocket message)
     * @param idleTimeoutMs close connections idle this long; 0 never
     * @param eventLoops event-loop threads; 0 means two per core
     */
    public record Listener(String host, int port, int maxConnections, long maxRequestBytes, long idleTimeoutMs,
            int eventLoops) {
        /** Checks ranges. */
        public Listener {
            if (host == null || host.isBlank()) {
                throw SpoolException.invalid("host", "must not be empty");
            }
            range("port", port, 0, 65_535);
            range("max-connections", maxConnections, 1, 10_000_000);
            range("max-request-bytes", maxRequestBytes, 1024, Integer.MAX_VALUE);
            range("idle-timeout-ms", idleTimeoutMs, 0, 24L * 3600 * 1000);
            range("event-loops", eventLoops, 0, 1024);
        }

        /** A copy with another port. */
        public Listener withPort(int v) {
            return new Listener(host, v, maxConnections, maxRequestBytes, idleTimeoutMs, eventLoops);
        }

        /** A copy with another host. */
        public Listener withHost(String v) {
            return new Listener(v, port, maxConnections, maxRequestBytes, idleTimeoutMs, eventLoops);
        }

        /** A copy with another connection bound. */
        public Listener withMaxConnections(int v) {
            return new Listener(host, port, v, maxRequestBytes, idleTimeoutMs, eventLoops);
        }

        /** A copy with another request body bound. */
        public Listener withMaxRequestBytes(long v) {
            return new Listener(host, port, maxConnections, v, idleTimeoutMs, eventLoops);
        }

        /** A copy with another idle timeout. */
        public Listener withIdleTimeoutMs(long v) {
            return new Listener(host, port, maxConnections, maxRequestBytes, v, eventLoops);
        }

        /** A copy with another number of event loops (0: two per core). */
        public Listener withEventLoops(int v) {
            return new Listener(host, port, maxConnections, maxRequestBytes, idleTimeoutMs, v);
        }
    }

    /**
     * Where messages live.
     *
     * @param storage the backend
     * @param dataDir the journal's directory (journal mode) and the spool directory for large uploads
     * @param fsync when the journal forces writes to disk
     * @param segmentBytes size of a journal segment file
     * @param payloadCacheBytes heap budget for recently written payloads (journal mode)
     * @param spoolThresholdBytes raw uploads larger than this (or of unknown length) are spooled to a
     *        file under {@code dataDir} instead of the heap (journal and PostgreSQL storage)
     * @param maxDedupIds most dedup ids the embedded engine remembers over all queues
     * @param maxResultBytes most bytes of task results the embedded engine keeps over all queues
     * @param flow the embedded engine's flow control of pushes ({@code flow-*} keys)
     */
    public record StorageConfig(Storage storage, Path dataDir, FsyncPolicy fsync, long segmentBytes,
            long payloadCacheBytes, long spoolThresholdBytes, long maxDedupIds, long maxResultBytes,
            FlowControl flow) {
        /** Checks ranges. */
        public StorageConfig {
            if (storage == null || dataDir == null || fsync == null || flow == null) {
                throw new IllegalArgumentException("storage config fields must not be null");
            }
            range("segment-bytes", segmentBytes, 4096, 1L << 40);
            range("payload-cache-bytes", payloadCacheBytes, 0, 1L << 40);
            range("spool-threshold-bytes", spoolThresholdBytes, 0, 1L << 30);
            range("max-dedup-ids", maxDedupIds, 0, 1L << 40);
            range("max-result-bytes", maxResultBytes, 0, 1L << 40);
        }

        /** With the embedded engine's default flow control. */
        public StorageConfig(Storage storage, Path dataDir, FsyncPolicy fsync, long segmentBytes,
                long payloadCacheBytes, long spoolThresholdBytes, long maxDedupIds, long maxResultBytes) {
            this(storage, dataDir, fsync, segmentBytes, payloadCacheBytes, spoolThresholdBytes, maxDedupIds,
                    maxResultBytes, FlowControl.DEFAULTS);
        }

        /** With the embedded engine's default bounds of dedup ids and results. */
        public StorageConfig(Storage storage, Path dataDir, FsyncPolicy fsync, long segmentBytes,
                long payloadCacheBytes, long spoolThresholdBytes) {
            this(storage, dataDir, fsync, segmentBytes, payloadCacheBytes, spoolThresholdBytes,
                    EmbeddedConfig.DEFAULT_MAX_DEDUP_IDS, EmbeddedConfig.DEFAULT_MAX_RESULT_BYTES);
        }

        /** A copy with another backend. */
        public StorageConfig withStorage(Storage v) {
            return new StorageConfig(v, dataDir, fsync, segmentBytes, payloadCacheBytes, spoolThresholdBytes,
                    maxDedupIds, maxResultBytes, flow);
        }

        /** A copy with another data directory. */
        public StorageConfig withDataDir(Path v) {
            return new StorageConfig(storage, v, fsync, segmentBytes, payloadCacheBytes, spoolThresholdBytes,
                    maxDedupIds, maxResultBytes, flow);
        }

        /** A copy with another fsync policy. */
        public StorageConfig withFsync(FsyncPolicy v) {
            return new StorageConfig(storage, dataDir, v, segmentBytes, payloadCacheBytes, spoolThresholdBytes,
                    maxDedupIds, maxResultBytes, flow);
        }
    }

    /** The storage backend: the embedded journal, memory only, or PostgreSQL. */
    public sealed interface Storage {
        /** The embedded engine with its journal in the data directory (the default). */
        Storage JOURNAL = new Journal();
        /** The embedded engine without a journal: nothing survives a restart. */
        Storage MEMORY = new Memory();

        /** The config form: {@code journal}, {@code memory} or the PostgreSQL URL. */
        String wire();

        /** Journal storage. */
        record Journal() implements Storage {
            @Override
            public String wire() {
                return "journal";
            }
        }

        /** Memory storage. */
        record Memory() implements Storage {
            @Override
            public String wire() {
                return "memory";
            }
        }

        /**
         * PostgreSQL storage.
         *
         * @param url {@code postgresql://[user[:password]@]host[:port]/database[?params]}
         */
        record Postgres(String url) implements Storage {
            /** Never shows the password (this form reaches logs). */
            @Override
            public String wire() {
                return url.replaceFirst("//([^:/@]*):[^@/]*@", "//$1:***@");
            }

            @Override
            public String toString() {
                return "Postgres[" + wire() + "]";
            }
        }

        /**
         * Parses {@code journal}, {@code memory} or a {@code postgresql://} URL.
         *
         * @throws SpoolException {@code invalid_argument} naming {@code storage}
         */
        static Storage parse(String text) {
            if ("journal".equals(text)) {
                return JOURNAL;
            }
            if ("memory".equals(text)) {
                return MEMORY;
            }
            if (text != null && (text.startsWith("postgresql://") || text.startsWith("postgres://"))) {
                return new Postgres(text);
            }
            throw SpoolException.invalid("storage", "storage is journal, memory or a postgresql:// URL");
        }
    }

    private static void range(String key, long v, long min, long max) {
        if (v < min || v > max) {
            throw SpoolException.invalid(key, key + " must be between " + min + " and " + max + ", got " + v);
        }
    }
}
