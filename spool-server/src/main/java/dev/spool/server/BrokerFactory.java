package dev.spool.server;

import java.nio.file.Path;

import dev.spool.api.Broker;
import dev.spool.api.BrokerSettings;
import dev.spool.embedded.EmbeddedBroker;
import dev.spool.embedded.EmbeddedConfig;
import dev.spool.postgres.PostgresBroker;
import dev.spool.postgres.PostgresConfig;

/**
 * Opens the broker a {@link ServerConfig} names. Isolates the server from the backends' own
 * configuration types. Opening may block (journal recovery, database connection): call it off the
 * event loop.
 *
 * <p>Layout of the data directory: {@code journal/} holds the embedded journal, {@code uploads/}
 * the raw uploads being spooled (emptied at start).
 */
final class BrokerFactory {
    private BrokerFactory() {
    }

    static Path journalDir(ServerConfig c) {
        return c.storage().dataDir().resolve("journal");
    }

    static Path uploadDir(ServerConfig c) {
        return c.storage().dataDir().resolve("uploads");
    }

    static BrokerSettings settings(ServerConfig c, Metrics metrics) {
        return new BrokerSettings(c.autoCreateQueues(), c.queueDefaults(), c.limits(), metrics,
                c.security().atRest());
    }

    static Broker open(ServerConfig c, BrokerSettings settings) {
        ServerConfig.StorageConfig s = c.storage();
        return switch (s.storage()) {
            case ServerConfig.Storage.Memory m -> EmbeddedBroker.open(tuned(EmbeddedConfig.memory(), s), settings);
            case ServerConfig.Storage.Journal j -> EmbeddedBroker.open(
                    tuned(EmbeddedConfig.journal(journalDir(c)), s).withFsync(s.fsync()), settings);
            case ServerConfig.Storage.Postgres p -> PostgresBroker.open(PostgresConfig.parse(p.url()), settings);
        };
    }

    private static EmbeddedConfig tuned(EmbeddedConfig e, ServerConfig.StorageConfig s) {
        return e.withSegmentBytes(s.segmentBytes()).withPayloadCacheBytes(s.payloadCacheBytes())
                .withMaxDedupIds(s.maxDedupIds()).withMaxResultBytes(s.maxResultBytes()).withFlow(s.flow());
    }
}
