package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.BrokerSettings;
import dev.spool.api.NewMessage;
import dev.spool.cli.CliHarness.Result;
import dev.spool.embedded.EmbeddedBroker;
import dev.spool.embedded.EmbeddedConfig;

/** {@code spool journal check|repair} on real journals: outputs and exit codes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalCommandTest {
    private static final int MESSAGES = 60;

    @TempDir
    Path dir;

    private EmbeddedConfig config(long snapshotEveryBytes) {
        return EmbeddedConfig.journal(dir).withSegmentBytes(4096).withSnapshotEveryBytes(snapshotEveryBytes);
    }

    /** 60 pushes of one message each: two segments. */
    private void write(long snapshotEveryBytes) {
        try (EmbeddedBroker b = EmbeddedBroker.open(config(snapshotEveryBytes), BrokerSettings.DEFAULTS)) {
            for (int i = 0; i < MESSAGES; i++) {
                b.push("q", List.of(NewMessage.ofUtf8(String.format("message-%02d", i)))).toCompletableFuture()
                        .orTimeout(10, TimeUnit.SECONDS).join();
            }
            if (snapshotEveryBytes < 1L << 20) {
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> snapshots().size() >= 1);
            }
        }
    }

    private List<Path> snapshots() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("snapshots"))) {
            return s.filter(p -> p.toString().endsWith(".snap")).sorted().toList();
        }
    }

    private long ready() {
        try (EmbeddedBroker b = EmbeddedBroker.open(config(1L << 30), BrokerSettings.DEFAULTS)) {
            return b.getQueue("q").toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join().stats().ready();
        }
    }

    private static void flip(Path file, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, at);
            one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind();
            ch.write(one, at);
        }
    }

    @Test
    void shouldExitZeroWithASummaryWhenTheJournalIsClean() {
        write(1L << 30);
        Result r = CliHarness.run("journal", "check", dir.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("summary: 2 segments, 61 records, 0 snapshots")
                .contains("verdict: clean: recovery opens it and changes nothing");
    }

    @Test
    void shouldExitSixOnCorruptionAndRepairAtTheCutItNames() throws Exception {
        write(1L << 30);
        Path seg1 = dir.resolve("journal/00000000000000000001.seg");
        flip(seg1, 1000);
        Result check = CliHarness.run("journal", "check", dir.toString());
        assertThat(check.code()).as(check.toString()).isEqualTo(ExitCodes.JOURNAL_REFUSED);
        assertThat(check.out()).contains("journal/00000000000000000001.seg:").contains("FATAL")
                .contains("and later segments exist").contains("verdict: refuses");

        Result json = CliHarness.run("journal", "check", dir.toString(), "--json");
        JsonNode doc = Output.JSON.readTree(json.out());
        assertThat(doc.get("verdict").asText()).isEqualTo("refuses");
        assertThat(doc.get("exit_code").asInt()).isEqualTo(6);
        String cut = doc.get("suggested_truncate_at").asText();
        long offset = Long.parseLong(cut.substring(cut.lastIndexOf(':') + 1));
        assertThat(offset).isLessThanOrEqualTo(1000).isGreaterThan(1000 - 100);

        byte[] before = Files.readAllBytes(seg1);
        Result dry = CliHarness.run("journal", "repair", dir.toString(), "--truncate-at", cut, "--dry-run");
        assertThat(dry.code()).as(dry.toString()).isZero();
        assertThat(dry.out()).contains("would cut " + cut)
                .contains("would move away: journal/00000000000000000002.seg");
        assertThat(Files.readAllBytes(seg1)).isEqualTo(before);

        Result repair = CliHarness.run("journal", "repair", dir.toString(), "--truncate-at", cut);
        assertThat(repair.code()).as(repair.toString()).isZero();
        Matcher m = Pattern.compile("acknowledged records lost: (\\d+) \\(push (\\d+)\\)").matcher(repair.out());
        assertThat(m.find()).as(repair.out()).isTrue();
        long lost = Long.parseLong(m.group(1));
        assertThat(lost).isEqualTo(Long.parseLong(m.group(2))).isGreaterThan(30);
        assertThat(repair.out()).contains("after the repair: clean");
        assertThat(CliHarness.run("journal", "check", dir.toString()).code()).isZero();
        // the damaged push is lost too, as unreadable bytes
        assertThat(ready()).isEqualTo(MESSAGES - lost - 1);
    }

    @Test
    void shouldExitFiveWhenASnapshotIsDamagedButRecoveryCanReplay() throws Exception {
        write(4096);
        Path snap = snapshots().get(snapshots().size() - 1);
        flip(snap, Files.size(snap) / 2);
        Result r = CliHarness.run("journal", "check", dir.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.JOURNAL_DAMAGED);
        assertThat(r.out()).contains("snapshots/" + snap.getFileName() + ":0  DAMAGE  the snapshot does not match "
                + "its CRC32C");
        assertThat(ready()).isEqualTo(MESSAGES);
    }

    @Test
    void shouldRefuseToRepairWhileAServerHoldsTheDirectoryButStillCheck() {
        write(1L << 30);
        try (EmbeddedBroker b = EmbeddedBroker.open(config(1L << 30), BrokerSettings.DEFAULTS)) {
            Result check = CliHarness.run("journal", "check", dir.toString());
            assertThat(check.code()).as(check.toString()).isZero();
            assertThat(check.out()).contains("note: a running server holds the lock");
            Result repair = CliHarness.run("journal", "repair", dir.toString(), "--truncate-at",
                    "journal/00000000000000000002.seg:32");
            assertThat(repair.code()).as(repair.toString()).isEqualTo(ExitCodes.JOURNAL_IN_USE);
            assertThat(repair.err()).contains("refused, nothing was changed").contains("in use");
        }
    }

    @Test
    void shouldExitTwoOnBadUsage() {
        write(1L << 30);
        assertThat(CliHarness.run("journal", "check", dir.resolve("nope").toString()).code())
                .isEqualTo(ExitCodes.USAGE);
        assertThat(CliHarness.run("journal", "repair", dir.toString(), "--truncate-at", "no-offset").code())
                .isEqualTo(ExitCodes.USAGE);
        Result inside = CliHarness.run("journal", "repair", dir.toString(), "--truncate-at",
                "00000000000000000001.seg:33");
        assertThat(inside.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(inside.err()).contains("inside a record");
        assertThat(CliHarness.run("journal").code()).isEqualTo(ExitCodes.USAGE);
    }
}
