package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spool serve} in a real child JVM: it serves on the given port with its journal in the data
 * directory, stops on SIGTERM with exit code 0, and finds its messages again after a restart.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServeProcessTest {

    @Test
    void shouldServeTheJournalUntilSigtermThenExitZeroAndKeepMessagesAcrossRestarts(@TempDir Path dir)
            throws Exception {
        int port = freePort();
        String url = "http://127.0.0.1:" + port;
        Path data = dir.resolve("data");
        Path log = dir.resolve("serve.log");

        Process first = serve(port, data, log);
        awaitServing(url, first, log);
        CliHarness.Result pushed = CliHarness.run("push", "durable", "kept", "--url", url);
        assertThat(pushed.code()).as(pushed.toString()).isZero();
        assertThat(Files.list(data.resolve("journal")).count()).isPositive();

        first.destroy(); // SIGTERM
        assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).as(Files.readString(log)).isZero();

        Process second = serve(port, data, log);
        try {
            awaitServing(url, second, log);
            // a client command in its own JVM, finding the server through SPOOL_URL
            ProcessBuilder client = new ProcessBuilder(java(), "-cp", classPath(), SpoolCli.class.getName(),
                    "message", "list", "durable", "--json").redirectError(dir.resolve("client.err").toFile());
            client.environment().put("SPOOL_URL", url);
            Process c = client.start();
            String out = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(c.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(c.exitValue()).as(out + Files.readString(dir.resolve("client.err"))).isZero();
            var messages = new ObjectMapper().readTree(out).path("messages");
            assertThat(messages).hasSize(1);
            assertThat(messages.get(0).path("id").asText()).isEqualTo(pushed.out().strip());
            // JDK 23+ would print four sun.misc.Unsafe warnings for Netty; client commands keep stderr clean
            assertThat(Files.readString(dir.resolve("client.err"))).doesNotContain("sun.misc.Unsafe");
        } finally {
            second.destroy();
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(second.exitValue()).isZero();
    }

    @Test
    void shouldExitOneWhenThePortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            CliHarness.Result r = CliHarness.run("serve", "--port", Integer.toString(taken.getLocalPort()),
                    "--storage", "memory");
            assertThat(r.code()).isEqualTo(1);
        }
    }

    private static Process serve(int port, Path data, Path log) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java(), "-cp", classPath(), SpoolCli.class.getName(), "serve",
                "--port", Integer.toString(port), "--data-dir", data.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitServing(String url, Process p, Path log) {
        Awaitility.await().atMost(60, TimeUnit.SECONDS).pollInterval(100, TimeUnit.MILLISECONDS).until(() -> {
            assertThat(p.isAlive()).as("server died: %s", Files.readString(log)).isTrue();
            return CliHarness.run("queue", "list", "--url", url).code() == 0;
        });
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The test class path (surefire may hide it behind a manifest-only jar). */
    private static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path").replace(File.pathSeparator
                + File.pathSeparator, File.pathSeparator);
    }
}
