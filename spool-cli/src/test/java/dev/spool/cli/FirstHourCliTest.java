package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.cli.CliHarness.Result;

/** The CLI's first-hour rough edges (issue 18): JSON arguments, global options, binary pops, help. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FirstHourCliTest {
    @RegisterExtension
    static final CliServer CLI = new CliServer();

    private static JsonNode json(Result r) throws Exception {
        return CliServer.json(r);
    }

    @Test
    void shouldPushJsonArgumentAsJsonAndTextArgumentAsText() throws Exception {
        assertThat(CliHarness.run("push", "typed", "{\"n\": 1}", "plain words", "--url", CLI.url()).code()).isZero();
        JsonNode popped = json(CliHarness.run("pop", "typed", "--max", "2", "--json", "--url", CLI.url()));
        JsonNode first = popped.path("messages").get(0);
        assertThat(first.path("content_type").asText()).isEqualTo("application/json");
        assertThat(first.path("payload").path("n").asInt()).isEqualTo(1);
        JsonNode second = popped.path("messages").get(1);
        assertThat(second.path("content_type").asText()).startsWith("text/plain");
        assertThat(second.path("payload").asText()).isEqualTo("plain words");
    }

    @Test
    void shouldPushJsonAsTextWhenTextFlagGiven() throws Exception {
        assertThat(CliHarness.run("push", "forced", "{\"n\": 1}", "--text", "--url", CLI.url()).code()).isZero();
        JsonNode m = json(CliHarness.run("pop", "forced", "--json", "--url", CLI.url())).path("messages").get(0);
        assertThat(m.path("content_type").asText()).startsWith("text/plain");
        assertThat(m.path("payload").asText()).isEqualTo("{\"n\": 1}");
    }

    @Test
    void shouldAcceptGlobalOptionsBeforeTheCommand() throws Exception {
        assertThat(CliHarness.run("--url", CLI.url(), "push", "global", "x").code()).isZero();
        JsonNode popped = json(CliHarness.run("--json", "--url=" + CLI.url(), "pop", "global"));
        assertThat(popped.path("messages").get(0).path("payload").asText()).isEqualTo("x");
        JsonNode listed = json(CliHarness.run("--json", "--url", CLI.url(), "queue", "list"));
        assertThat(listed.toString()).contains("global");
    }

    @Test
    void shouldWriteBinaryPayloadToFileWhenPoppedWithOut(@TempDir Path dir) throws Exception {
        byte[] bytes = new byte[300_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 7 + 3);
        }
        Path in = dir.resolve("in.bin");
        Files.write(in, bytes);
        assertThat(CliHarness.run("push", "blobs", "--file", in.toString(), "--url", CLI.url()).code()).isZero();
        Path out = dir.resolve("out.bin");
        JsonNode m = json(CliHarness.run("pop", "blobs", "--out", out.toString(), "--json", "--url", CLI.url()))
                .path("messages").get(0);
        assertThat(Files.readAllBytes(out)).isEqualTo(bytes);
        assertThat(m.path("payload_bytes").asLong()).isEqualTo(bytes.length);
        assertThat(m.path("payload_file").asText()).isEqualTo(out.toString());
        assertThat(m.has("payload_base64")).isFalse();
        Result twoAtOnce = CliHarness.run("pop", "blobs", "--out", out.toString(), "--max", "2", "--url", CLI.url());
        assertThat(twoAtOnce.code()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void shouldFailAtOnceWhenConsumingAQueueThatDoesNotExist() {
        Result typo = CliHarness.run("pop", "jbos", "--wait-ms", "30000", "--url", CLI.url());
        assertThat(typo.code()).isNotZero();
        assertThat(typo.err()).contains("queue_not_found", "jbos");
        Result tail = CliHarness.run("tail", "jbos", "--url", CLI.url());
        assertThat(tail.code()).isNotZero();
        assertThat(tail.err()).contains("queue_not_found");
        assertThat(CliHarness.run("push", "jobs-real", "x", "--url", CLI.url()).code()).isZero();
        Result real = CliHarness.run("tail", "jobs-real", "--max", "1", "--url", CLI.url());
        assertThat(real.err()).doesNotContain("does not exist");
        assertThat(real.out()).contains("x");
    }

    @Test
    void shouldShowOnlyAcceptedPostgresFormInServeHelp() {
        Result help = CliHarness.run("serve", "--help");
        String text = help.out().replaceAll("\\s+", "");
        assertThat(text).contains("postgresql://user:password@host:port/db").doesNotContain("password=..");
    }
}
