package dev.spool.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL of the operating system's package (Debian's {@code postgresql}, in
 * {@code /usr/lib/postgresql/<version>/bin}), started by the test from a temporary directory with
 * {@code initdb} and {@code pg_ctl}, with the package's default settings: unlike the embedded
 * binaries, it is built with LLVM, so {@code jit} does what it does on a user's server. Only the
 * port, the listen address, the socket directory and the settings a test passes are set.
 *
 * <p>Selected with {@code -Dspool.test.postgres=debian} (the {@code debian-postgres} Maven
 * profile); {@link #binDir()} is empty when the package is not installed, and the tests then skip.
 * PostgreSQL refuses to run as root, so as root the commands run as the package's {@code postgres}
 * user ({@code runuser}).
 */
public final class DebianPostgres implements AutoCloseable {
    /** The system property that selects this server over the embedded one. */
    public static final String PROPERTY = "spool.test.postgres";

    private final Path bin;
    private final Path dir;
    private final Path data;
    private final int port;
    private boolean running;

    private DebianPostgres(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.data = dir.resolve("data");
        this.port = port;
    }

    /** Whether the tests were asked to use this server instead of the embedded one. */
    public static boolean selected() {
        return "debian".equals(System.getProperty(PROPERTY));
    }

    /** The newest installed {@code /usr/lib/postgresql/<version>/bin} that has {@code pg_ctl}. */
    public static Optional<Path> binDir() {
        Path root = Path.of(System.getProperty("spool.test.postgresRoot", "/usr/lib/postgresql"));
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("pg_ctl")) && Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparingInt(DebianPostgres::version));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int version(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Creates a cluster in a new temporary directory and starts it.
     *
     * @param settings more {@code postgresql.conf} settings
     * @throws IllegalStateException when the package is not installed (check {@link #binDir()} first)
     */
    public static DebianPostgres start(Map<String, String> settings) {
        Path bin = binDir().orElseThrow(() -> new IllegalStateException(
                "no PostgreSQL package in /usr/lib/postgresql (apt-get install postgresql)"));
        try {
            Path dir = Files.createTempDirectory("spool-debian-pg");
            if (asRoot()) {
                UserPrincipal postgres = dir.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName("postgres");
                Files.setOwner(dir, postgres);
            }
            DebianPostgres pg = new DebianPostgres(bin, dir, freePort());
            pg.run("initdb", "-D", pg.data.toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync");
            StringBuilder conf = new StringBuilder("\n# spool tests\nport = " + pg.port
                    + "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '" + dir + "'\n");
            settings.forEach((k, v) -> conf.append(k).append(" = '").append(v).append("'\n"));
            Files.writeString(pg.data.resolve("postgresql.conf"), conf, java.nio.file.StandardOpenOption.APPEND);
            pg.start();
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server (again, after {@link #stop()}: same data directory and port). */
    public synchronized void start() {
        if (!running) {
            run("pg_ctl", "-D", data.toString(), "-l", dir.resolve("server.log").toString(), "-w", "-t", "60", "start");
            running = true;
        }
    }

    /** Stops the server (fast shutdown: connections are cut); the data directory stays. */
    public synchronized void stop() {
        if (running) {
            run("pg_ctl", "-D", data.toString(), "-m", "fast", "-w", "-t", "60", "stop");
            running = false;
        }
    }

    /** The TCP port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The data directory. */
    public Path dataDir() {
        return data;
    }

    /** The major version of the package, e.g. 15. */
    public int majorVersion() {
        return version(bin);
    }

    /** The JDBC URL of a database of this server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    @Override
    public synchronized void close() {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean asRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private void run(String tool, String... args) {
        List<String> cmd = new ArrayList<>();
        if (asRoot()) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.add(bin.resolve(tool).toString());
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("spool-debian-pg", ".out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 120 s");
            }
            String output = Files.readString(out);
            Files.delete(out);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
