package dev.spool.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Spool server in a child JVM ({@code dev.spool.server.Main}), started from the test JVM's
 * class path. Its output goes to {@code target/it-logs/<name>.log}.
 */
final class ServerProcess implements AutoCloseable {
    private static final HttpClient PROBE = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final int port;
    private final Path log;
    private final Process process;

    private ServerProcess(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
    }

    /**
     * Launches a server on a free port; does not wait for it (see {@link #awaitReady(Duration)}).
     *
     * @param name a name for its log file
     * @param storage the {@code --storage} value, or null to pass none (a config file names it)
     * @param extra more {@code --key value} flags
     */
    static ServerProcess launch(String name, String storage, String... extra) {
        try {
            return launch(name, storage, Files.createTempDirectory("spool-it-" + name), extra);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As {@link #launch(String, String, String...)} over a given data directory (a restart reuses it). */
    static ServerProcess launch(String name, String storage, Path dataDir, String... extra) {
        try {
            int port = freePort();
            Path logs = Path.of("target", "it-logs");
            Files.createDirectories(logs);
            Path log = logs.resolve(name + ".log");
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m"));
            // extra JVM flags for the server processes, e.g. a profiler: -Dspool.it.serverJvmArgs="-XX:StartFlightRecording=..."
            String jvmArgs = System.getProperty("spool.it.serverJvmArgs", "").replace("{name}", name);
            if (!jvmArgs.isBlank()) {
                cmd.addAll(List.of(jvmArgs.strip().split("\\s+")));
            }
            cmd.addAll(List.of(
                    "-cp", System.getProperty("java.class.path"),
                    "dev.spool.server.Main",
                    "--port", Integer.toString(port),
                    "--data-dir", dataDir.toString()));
            if (storage != null) {
                cmd.addAll(List.of("--storage", storage));
            }
            cmd.addAll(List.of(extra));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
            return new ServerProcess(name, port, log, p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Waits until {@code /readyz} answers 200, failing early if the process died. */
    ServerProcess awaitReady(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            if (ready()) {
                return this;
            }
            try {
                // waiting for an external process to open a port: nothing to be notified by
                process.waitFor(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException(name + " not ready after " + timeout + "; see " + log);
    }

    /** Whether {@code /readyz} answers 200 now. */
    boolean ready() {
        try {
            HttpResponse<Void> r = PROBE.send(HttpRequest.newBuilder(uri("/readyz")).timeout(Duration.ofSeconds(2))
                    .GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits for the process to exit by itself.
     *
     * @return the exit code
     */
    int waitForExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " still running after " + timeout + "; see " + log);
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook runs. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * SIGTERM, then waits for the exit.
     *
     * @return the exit code
     */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            return -1;
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            terminate();
        }
    }
}
