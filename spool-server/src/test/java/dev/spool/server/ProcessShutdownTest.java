package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graceful shutdown of a real server process: {@link Main} runs in a child JVM on the journal with
 * {@code fsync=always}, takes pushes, gets SIGTERM ({@link Process#destroy()}) while a pop waits,
 * answers that pop, exits with 0, and a second process on the same data directory (named this
 * time by {@code SPOOL_DATA_DIR}, the rest coming from a {@code --config} file) serves every
 * acknowledged message exactly once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProcessShutdownTest {
    /** The port in the "listening" line, in the text format ({@code port=7070}) or JSON ({@code "port":"7070"}). */
    private static final java.util.regex.Pattern LISTENING =
            java.util.regex.Pattern.compile("spool server listening.*port=(\\d+)|\"port\":\"(\\d+)\".*spool server listening");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void shouldExitZeroOnSigtermAndKeepEveryAcknowledgedPush(@TempDir Path dir) throws Exception {
        List<String> ids = new ArrayList<>();
        CompletableFuture<HttpResponse<String>> waiting;
        Child first = Child.start(dir, "first", Map.of(), "--port", "0", "--storage", "journal", "--fsync", "always",
                "--data-dir", dir.resolve("data").toString(), "--shutdown-timeout-ms", "20000");
        try {
            assertThat(send(first, "PUT", "/v1/queues/jobs", "application/json", "{\"max_attempts\":7}").statusCode())
                    .isEqualTo(200);
            HttpResponse<String> batch = send(first, "POST", "/v1/queues/jobs/messages", "application/json",
                    "{\"messages\":[{\"payload\":{\"n\":0}},{\"payload\":{\"n\":1}},{\"payload\":{\"n\":2}}]}");
            assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
            ApiClient.JSON.readTree(batch.body()).path("ids").forEach(id -> ids.add(id.asText()));
            HttpResponse<String> raw = send(first, "POST", "/v1/queues/jobs/messages", "text/plain", "raw-3");
            assertThat(raw.statusCode()).isEqualTo(200);
            ids.add(ApiClient.JSON.readTree(raw.body()).path("ids").get(0).asText());
            assertThat(send(first, "PUT", "/v1/queues/idle", "application/json", "{}").statusCode()).isEqualTo(200);
            waiting = http.sendAsync(request(first, "/v1/queues/idle/pop").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"wait_ms\":60000}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            // the pop is parked once its connection is open next to ours (pops do not create queues,
            // so the queue's existence no longer tells)
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> ApiClient.JSON.readTree(
                    send(first, "GET", "/v1/status", null, null).body()).path("connections").asInt() >= 2);
        } finally {
            first.process.destroy();
        }
        assertThat(first.awaitExit()).as(first.output()).isZero();
        assertThat(first.output()).contains("shutdown signal: stopping", "spool server stopped")
                .doesNotContain("ch.qos.logback").containsPattern("\\d{4}-\\d\\d-\\d\\dT[^ ]+ INFO ");
        HttpResponse<String> woken = waiting.get(10, TimeUnit.SECONDS);
        assertThat(woken.statusCode()).isEqualTo(200);
        assertThat(ApiClient.JSON.readTree(woken.body()).path("messages")).isEmpty();

        // the same settings from a config file and the environment this time
        Path conf = dir.resolve("spool.conf");
        Files.writeString(conf, "port: 0\nstorage: journal\nfsync: interval:5\n");
        Child second = Child.start(dir, "second", Map.of("SPOOL_DATA_DIR", dir.resolve("data").toString(),
                "SPOOL_LOG_FORMAT", "json"), "--config", conf.toString());
        try {
            JsonNode queue = ApiClient.JSON.readTree(send(second, "GET", "/v1/queues/jobs", null, null).body());
            assertThat(queue.path("config").path("max_attempts").asInt()).as(queue.toString()).isEqualTo(7);
            assertThat(queue.path("stats").path("ready").asLong()).isEqualTo(4);
            JsonNode popped = ApiClient.JSON.readTree(send(second, "POST", "/v1/queues/jobs/pop", "application/json",
                    "{\"max\":100}").body()).path("messages");
            assertThat(popped.findValuesAsText("id")).containsExactlyElementsOf(ids);
            assertThat(popped.get(1).path("payload").path("n").asInt()).isEqualTo(1);
            assertThat(popped.get(3).path("content_type").asText()).isEqualTo("text/plain");
            assertThat(Base64.getDecoder().decode(popped.get(3).path("payload_base64").asText()))
                    .isEqualTo("raw-3".getBytes(StandardCharsets.UTF_8));
        } finally {
            second.process.destroy();
        }
        assertThat(second.awaitExit()).as(second.output()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : second.output().split("\n")) {
            if (!line.startsWith("WARNING: ")) {
                lines.add(ApiClient.JSON.readTree(line));
            }
        }
        assertThat(lines).extracting(l -> l.path("formattedMessage").asText())
                .contains("spool server listening", "spool server stopped");
    }

    private HttpRequest.Builder request(Child c, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.port + path)).timeout(Duration.ofSeconds(90));
    }

    private HttpResponse<String> send(Child c, String method, String path, String contentType, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = request(c, path).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A server in a child JVM. Its output goes to a file, not a pipe: {@link Process#destroy()} closes
     * the parent's end of the pipes, which would lose what the child logs while it shuts down.
     */
    private static final class Child {
        final Process process;
        final int port;
        private final Path log;

        private Child(Process process, int port, Path log) {
            this.process = process;
            this.port = port;
            this.log = log;
        }

        static Child start(Path dir, String name, Map<String, String> env, String... flags) throws Exception {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path log = dir.resolve(name + ".log");
            // the server's own logback.xml, not the test one that comes first on the test class path
            String logback = Path.of(Main.class.getResource("/logback.xml").toURI()).toString();
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-Dlogback.configurationFile=" + logback,
                    "-cp", System.getProperty("java.class.path"), Main.class.getName()));
            cmd.addAll(List.of(flags));
            // run in the temporary directory, so a default ./spool-data would land there (and be empty)
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("SPOOL_"));
            pb.environment().putAll(env);
            Process p = pb.start();
            try {
                int port = Awaitility.await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50))
                        .until(() -> {
                            if (!p.isAlive()) {
                                throw new IllegalStateException("server exited before listening:\n" + read(log));
                            }
                            Matcher m = LISTENING.matcher(read(log));
                            return m.find() ? Integer.parseInt(m.group(m.group(1) != null ? 1 : 2)) : 0;
                        }, found -> found > 0);
                return new Child(p, port, log);
            } catch (RuntimeException e) {
                p.destroyForcibly();
                throw e;
            }
        }

        /** Waits (at most 60 s) for the process to exit; returns the exit code. */
        int awaitExit() throws InterruptedException {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited within 60 s").isTrue();
            return process.exitValue();
        }

        String output() {
            return read(log);
        }

        private static String read(Path log) {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
