package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.ErrorCode;
import dev.spool.cli.CliHarness.Result;

/** Every client command of {@code spool}, run in-process against a real server: outputs and exit codes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SpoolCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final CliServer CLI = new CliServer();

    @AfterEach
    void restoreStdin() {
        PushCommand.stdin = System.in;
    }

    private static Result spool(String... args) {
        return CLI.run(args);
    }

    private static JsonNode json(Result r) throws Exception {
        return CliServer.json(r);
    }

    @Test
    void shouldCreateQueueWithSettingsAndShowThemInListAndStats() throws Exception {
        Result created = spool("queue", "create", "orders", "--visibility-timeout-ms", "5000", "--max-attempts", "3");
        assertThat(created.code()).as(created.toString()).isZero();
        assertThat(created.out()).containsPattern("visibility_timeout_ms\\s+5000").containsPattern("max_attempts\\s+3");

        JsonNode stats = json(spool("queue", "stats", "orders", "--json"));
        assertThat(stats.path("name").asText()).isEqualTo("orders");
        assertThat(stats.path("config").path("visibility_timeout_ms").asLong()).isEqualTo(5000);
        assertThat(stats.path("config").path("max_attempts").asInt()).isEqualTo(3);
        assertThat(stats.path("config").path("dead_letter_queue").asText()).isEqualTo("orders.dlq");

        spool("push", "orders", "a", "b");
        Result list = spool("queue", "list");
        assertThat(list.code()).isZero();
        assertThat(list.out().lines().findFirst().orElse("")).startsWith("QUEUE").contains("READY", "IN_FLIGHT");
        assertThat(list.out()).containsPattern("(?m)^orders\\s+2\\s+0\\s+0\\s+0\\s");
    }

    @Test
    void shouldPushArgumentsPopThemAndAckByReceiptThenReportStaleAsPartial() throws Exception {
        Result pushed = spool("push", "jobs", "first", "second", "--key", "k1");
        assertThat(pushed.code()).as(pushed.toString()).isZero();
        List<String> ids = pushed.out().lines().toList();
        assertThat(ids).hasSize(2).allMatch(id -> id.matches("[0-9a-f]{16}"));

        JsonNode popped = json(spool("pop", "jobs", "--max", "10", "--json"));
        assertThat(popped.path("messages")).hasSize(1); // same key: one at a time
        JsonNode m = popped.path("messages").get(0);
        assertThat(m.path("id").asText()).isEqualTo(ids.get(0));
        assertThat(m.path("payload").asText()).as("text comes back as text").isEqualTo("first");
        assertThat(m.path("content_type").asText()).startsWith("text/plain");
        String receipt = m.path("receipt").asText();

        Result acked = spool("ack", "jobs", receipt);
        assertThat(acked.code()).as(acked.toString()).isZero();
        assertThat(acked.out()).containsPattern(receipt.replace(".", "\\.") + "\\s+ok");

        Result again = spool("ack", "jobs", receipt);
        assertThat(again.code()).isEqualTo(ExitCodes.PARTIAL);
        assertThat(again.out()).containsPattern(receipt.replace(".", "\\.") + "\\s+not_found");

        Result table = spool("pop", "jobs");
        assertThat(table.code()).isZero();
        assertThat(table.out()).contains(ids.get(1)).contains("second").contains("k1");
    }

    @Test
    void shouldPushStandardInputLinesInOrderAndTailThem() throws Exception {
        PushCommand.stdin = new ByteArrayInputStream("one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8));
        Result pushed = spool("push", "lines", "--batch", "2");
        assertThat(pushed.code()).as(pushed.toString()).isZero();
        List<String> ids = pushed.out().lines().toList();
        assertThat(ids).hasSize(3);
        assertThat(ids).isSorted();

        Result tail = spool("tail", "lines", "--max", "3");
        assertThat(tail.code()).as(tail.toString()).isZero();
        assertThat(tail.out().lines().toList()).containsExactly(ids.get(0) + "  one", ids.get(1) + "  two",
                ids.get(2) + "  three");
        JsonNode after = json(spool("queue", "stats", "lines", "--json"));
        assertThat(after.path("stats").path("ready").asLong()).isZero();
        assertThat(after.path("stats").path("in_flight").asLong()).isZero();
    }

    @Test
    void shouldPushAFileAsOneRawMessageAndShowItsTaskView(@TempDir Path dir) throws Exception {
        byte[] bytes = new byte[100_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31);
        }
        Path f = dir.resolve("blob.bin");
        Files.write(f, bytes);
        Result pushed = spool("push", "files", "--file", f.toString(), "-H", "origin=test");
        assertThat(pushed.code()).as(pushed.toString()).isZero();
        String id = pushed.out().strip();

        JsonNode view = json(spool("message", "get", "files", id, "--json"));
        assertThat(view.path("state").asText()).isEqualTo("ready");
        assertThat(view.path("content_type").asText()).isEqualTo("application/octet-stream");
        assertThat(view.path("headers").path("origin").asText()).isEqualTo("test");
        assertThat(Base64.getDecoder().decode(view.path("payload_base64").asText())).isEqualTo(bytes);

        Result table = spool("message", "get", "files", id);
        assertThat(table.out()).containsPattern("state\\s+ready").containsPattern("header.origin\\s+test");

        JsonNode listed = json(spool("message", "list", "files", "--json"));
        assertThat(listed.path("messages").get(0).path("id").asText()).isEqualTo(id);
    }

    @Test
    void shouldNackToDeadLetterAndRedriveBack() throws Exception {
        spool("queue", "create", "flaky", "--max-attempts", "1");
        spool("push", "flaky", "x");
        String receipt = json(spool("pop", "flaky", "--json")).path("messages").get(0).path("receipt").asText();
        Result nacked = spool("ack", "flaky", receipt, "--nack", "--reason", "boom");
        assertThat(nacked.code()).as(nacked.toString()).isZero();

        JsonNode dead = json(spool("message", "list", "flaky", "--state", "dead", "--json"));
        assertThat(dead.path("messages")).hasSize(1);
        assertThat(dead.path("messages").get(0).path("last_error").asText()).contains("boom");

        Result other = spool("redrive", "flaky", "--id", "1a207d5396100000");
        assertThat(other.out()).as("an id that is no dead letter is skipped").contains("moved 0");
        Result redrive = spool("redrive", "flaky", "--id", dead.path("messages").get(0).path("id").asText());
        assertThat(redrive.code()).as(redrive.toString()).isZero();
        assertThat(redrive.out()).contains("moved 1");
        assertThat(json(spool("queue", "stats", "flaky", "--json")).path("stats").path("ready").asLong()).isEqualTo(1);
    }

    @Test
    void shouldCreateListAndDeleteGroupsAndReportConflicts() throws Exception {
        spool("queue", "create", "fan");
        Result created = spool("group", "create", "fan", "audit", "--start", "earliest");
        assertThat(created.code()).as(created.toString()).isZero();
        assertThat(created.out()).containsPattern("audit\\s+earliest");

        Result conflict = spool("group", "create", "fan", "audit", "--start", "latest");
        assertThat(conflict.code()).isEqualTo(ExitCodes.of(ErrorCode.CONFLICT));
        assertThat(conflict.err()).contains("conflict");

        JsonNode groups = json(spool("group", "list", "fan", "--json"));
        assertThat(groups.path("groups")).extracting(g -> g.path("name").asText()).containsExactly("default", "audit");

        assertThat(spool("group", "delete", "fan", "audit").code()).isZero();
        assertThat(spool("group", "delete", "fan", "audit").code()).isEqualTo(ExitCodes.of(ErrorCode.GROUP_NOT_FOUND));
    }

    @Test
    void shouldPopAndAckAtOnceAndTailAsJsonLines() throws Exception {
        spool("push", "consumed", "c1", "c2", "c3");
        Result popped = spool("pop", "consumed", "--ack");
        assertThat(popped.code()).as(popped.toString()).isZero();
        assertThat(popped.out()).contains("(acked)").contains("c1");

        Result tail = spool("tail", "consumed", "--max", "2", "--json");
        assertThat(tail.code()).as(tail.toString()).isZero();
        List<String> lines = tail.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(JSON.readTree(lines.get(0)).path("payload").asText()).isEqualTo("c2");
        assertThat(JSON.readTree(lines.get(1)).path("payload").asText()).isEqualTo("c3");

        Result empty = spool("pop", "consumed");
        assertThat(empty.code()).isZero();
        assertThat(empty.out()).isEmpty();
        assertThat(empty.err()).contains("no messages");
        assertThat(json(spool("queue", "stats", "consumed", "--json")).path("stats").path("in_flight").asLong())
                .isZero();
    }

    @Test
    void shouldPurgeAndDeleteQueues() throws Exception {
        spool("push", "temp", "a", "b", "c");
        Result purged = spool("queue", "purge", "temp");
        assertThat(purged.out()).contains("purged 3");
        assertThat(spool("queue", "delete", "temp").code()).isZero();
        Result gone = spool("queue", "stats", "temp");
        assertThat(gone.code()).isEqualTo(ExitCodes.of(ErrorCode.QUEUE_NOT_FOUND));
        assertThat(gone.err()).startsWith("spool: queue_not_found");
    }

    @Test
    void shouldExitWithTheErrorCodeOfTheServersRefusal() {
        Result badPriority = spool("push", "q1", "x", "--priority", "12");
        assertThat(badPriority.code()).isEqualTo(ExitCodes.of(ErrorCode.INVALID_ARGUMENT));
        assertThat(badPriority.err()).contains("invalid_argument").contains("priority");

        Result unknownMessage = spool("message", "get", "q1", "00000000000000ff");
        assertThat(unknownMessage.code()).isIn(ExitCodes.of(ErrorCode.MESSAGE_NOT_FOUND),
                ExitCodes.of(ErrorCode.QUEUE_NOT_FOUND));

        Result badName = spool("queue", "stats", "bad name!");
        assertThat(badName.code()).isEqualTo(ExitCodes.of(ErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void shouldExitWithUsageCodeForBadUsage() {
        Result unknown = spool("queue", "list", "--bogus");
        assertThat(unknown.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).contains("Unknown option");

        Result missing = spool("pop");
        assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).contains("QUEUE");

        Result notANumber = spool("pop", "q", "--max", "many");
        assertThat(notANumber.code()).isEqualTo(ExitCodes.USAGE);

        Result noCommand = CliHarness.run();
        assertThat(noCommand.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(noCommand.err()).contains("Usage: spool");

        Result badConfig = CliHarness.run("serve", "--fsync", "sometimes");
        assertThat(badConfig.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badConfig.err()).contains("fsync");

        Result unknownKey = CliHarness.run("serve", "--set", "no-such-key=1");
        assertThat(unknownKey.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknownKey.err()).contains("no-such-key");

        Result badReceipt = spool("ack", "q", "not-a-receipt");
        assertThat(badReceipt.code()).isEqualTo(ExitCodes.of(ErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void shouldExitWithCannotConnectWhenNoServerListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Result r = CliHarness.run("queue", "list", "--url", "http://127.0.0.1:" + port);
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.CANNOT_CONNECT);
        assertThat(r.err()).contains("cannot connect").contains("127.0.0.1:" + port);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void shouldPrintHelpAndVersion() {
        Result help = CliHarness.run("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("serve", "queue", "push", "pop", "ack", "tail", "message", "redrive", "group");
        Result serveHelp = CliHarness.run("serve", "--help");
        assertThat(serveHelp.out()).contains("--port", "--data-dir", "--storage", "--fsync", "--config");
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
