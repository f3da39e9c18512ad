package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * A client command started in its own JVM loads none of the server's classes (nor the storage
 * engines', the bench's, OpenTelemetry's, Micrometer's or logback's): what keeps {@code spool queue
 * list} fast to start (docs/cli.md, "Start-up time"). Checked with {@code -Xlog:class+load}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientStartupTest {
    private static final List<String> FORBIDDEN = List.of("dev.spool.server.", "dev.spool.embedded.",
            "dev.spool.postgres.", "dev.spool.bench.", "io.opentelemetry.", "io.micrometer.", "ch.qos.logback.",
            "org.postgresql.");

    @Test
    void shouldLoadNoServerClassesWhenRunningAClientCommand(@TempDir Path dir) throws Exception {
        try (SpoolServer server = SpoolServer.start(ServerConfig.ephemeralMemory()).toCompletableFuture()
                .get(60, TimeUnit.SECONDS)) {
            Path log = dir.resolve("classes.log");
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xlog:class+load=info:file=" + log, "-cp", classPath(), SpoolCli.class.getName(),
                    "queue", "list", "--url", server.url()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();

            List<String> loaded = Files.readAllLines(log).stream()
                    .map(l -> l.replaceFirst("^(\\[[^\\]]*\\])+\\s*", "").split(" ")[0]).toList();
            assertThat(loaded).as("the command ran").anyMatch(c -> c.startsWith("dev.spool.client."));
            assertThat(loaded).filteredOn(c -> FORBIDDEN.stream().anyMatch(c::startsWith)).isEmpty();
        }
    }

    /** The test class path (surefire may hide it behind a manifest-only jar). */
    private static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path").replace(File.pathSeparator
                + File.pathSeparator, File.pathSeparator);
    }
}
