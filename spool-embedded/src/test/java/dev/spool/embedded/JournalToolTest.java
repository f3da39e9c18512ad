package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;
import dev.spool.api.TxOp;
import dev.spool.embedded.JournalFixtures.Damage;
import dev.spool.embedded.JournalTool.Reason;
import dev.spool.embedded.JournalTool.Refused;
import dev.spool.embedded.JournalTool.Repaired;
import dev.spool.embedded.JournalTool.RepairOutcome;
import dev.spool.embedded.JournalTool.Verdict;

/** Repair's refusals, dry run and backup; the fixtures themselves are in {@link JournalFixturesTest}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalToolTest {
    private static final String SEG2 = "journal/00000000000000000002.seg";
    private static final String SEG3 = "00000000000000000003.seg";

    @TempDir
    Path dir;

    @Test
    void shouldRefuseToRepairButStillCheckWhileAServerHoldsTheLock() throws Exception {
        JournalFixtures.make(dir, Damage.CLEAN);
        try (EmbeddedBroker b = EmbeddedBroker.open(JournalFixtures.config(dir), BrokerSettings.DEFAULTS,
                () -> JournalFixtures.CLOCK)) {
            JournalTool.Report r = JournalTool.check(dir);
            assertThat(r.inUse()).isTrue();
            assertThat(r.verdict()).isEqualTo(Verdict.CLEAN);
            Map<String, String> before = digest(dir);
            RepairOutcome o = JournalTool.repair(dir, SEG3, Segments.HEADER, false);
            assertThat(o).isInstanceOfSatisfying(Refused.class, x -> assertThat(x.reason()).isEqualTo(Reason.IN_USE));
            assertThat(digest(dir)).isEqualTo(before);
        }
        assertThat(JournalTool.check(dir).inUse()).isFalse();
    }

    @Test
    void shouldRefuseACutThatIsNotARecordBoundaryBeforeTheFirstBadRecord() throws Exception {
        JournalFixtures.make(dir, Damage.FLIPPED_BYTE_MID_SEGMENT);
        assertThat(JournalTool.repair(dir, SEG3, 1000, false)).isInstanceOfSatisfying(Refused.class, x -> {
            assertThat(x.reason()).isEqualTo(Reason.NOT_A_BOUNDARY);
            assertThat(x.message()).contains("inside a record").contains("start at 932 and 1022");
        });
        assertThat(JournalTool.repair(dir, SEG3, 1567, false)).isInstanceOfSatisfying(Refused.class, x -> {
            assertThat(x.reason()).isEqualTo(Reason.NOT_A_BOUNDARY);
            assertThat(x.message()).contains("after its first bad record at 1476");
        });
        assertThat(JournalTool.repair(dir, "7", 32, false)).isInstanceOfSatisfying(Refused.class,
                x -> assertThat(x.reason()).isEqualTo(Reason.NO_SUCH_SEGMENT));
        assertThat(dir.resolve("journal").resolve(SEG3)).hasSize(2932);
    }

    @Test
    void shouldRefuseACutAfterWhichRecoveryWouldStillRefuse() throws Exception {
        JournalFixtures.make(dir, Damage.FLIPPED_BYTE_EARLIER_SEGMENT);
        assertThat(JournalTool.repair(dir, SEG3, Segments.HEADER, false)).isInstanceOfSatisfying(Refused.class,
                x -> {
                    assertThat(x.reason()).isEqualTo(Reason.WOULD_NOT_OPEN);
                    assertThat(x.message()).contains(SEG2 + ":4082");
                });
    }

    @Test
    void shouldChangeNothingOnADryRun() throws Exception {
        JournalFixtures.make(dir, Damage.FLIPPED_BYTE_EARLIER_SEGMENT);
        Map<String, String> before = digest(dir);
        Repaired r = (Repaired) JournalTool.repair(dir, SEG2, 4082, true);
        assertThat(r.applied()).isFalse();
        assertThat(r.backupDir()).isEmpty();
        assertThat(r.removed().records()).isEqualTo(32);
        assertThat(r.removed().byType()).containsExactly(Map.entry("push", 32L));
        assertThat(r.unreadableBytes()).isEqualTo(90);
        assertThat(r.filesRemoved()).containsExactly("journal/" + SEG3);
        assertThat(digest(dir)).isEqualTo(before);
    }

    @Test
    void shouldKeepEverythingItRemovesSoThatTheRepairCanBeUndone() throws Exception {
        JournalFixtures.make(dir, Damage.TRUNCATED_HEADER);
        Map<String, String> before = digest(dir);
        Repaired r = (Repaired) JournalTool.repair(dir, SEG2, 0, false);
        assertThat(r.filesRemoved()).containsExactlyInAnyOrder("snapshots/00000002000004b2.snap", SEG2,
                "journal/" + SEG3);
        Path backup = r.backupDir().orElseThrow();
        assertThat(Files.readString(backup.resolve("REPAIR.txt"))).contains("acknowledged records removed: 32");
        assertThat(JournalTool.check(dir).verdict()).isEqualTo(Verdict.CLEAN);
        for (String f : r.filesRemoved()) {
            Files.move(backup.resolve(f), dir.resolve(f));
        }
        Files.delete(backup.resolve("REPAIR.txt"));
        try (Stream<Path> s = Files.walk(backup)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertThat(digest(dir)).isEqualTo(before);
    }

    @Test
    void shouldPutBackTheTruncatedTailByAppendingTheKeptBytes() throws Exception {
        JournalFixtures.make(dir, Damage.FLIPPED_BYTE_MID_SEGMENT);
        Map<String, String> before = digest(dir);
        Repaired r = (Repaired) JournalTool.repair(dir, "journal/" + SEG3, 1476, false);
        assertThat(r.removed().records()).isEqualTo(15);
        assertThat(r.unreadableBytes()).isEqualTo(91);
        Path tail = r.backupDir().orElseThrow().resolve("journal").resolve(SEG3 + ".from-1476");
        Files.write(dir.resolve("journal").resolve(SEG3), Files.readAllBytes(tail), StandardOpenOption.APPEND);
        Map<String, String> after = digest(dir);
        after.keySet().removeIf(k -> k.startsWith("repair-"));
        assertThat(after).isEqualTo(before);
    }

    @Test
    void shouldCountTheMessagesAndAcksNestedInTransactions() throws Exception {
        try (EmbeddedBroker b = EmbeddedBroker.open(JournalFixtures.config(dir), BrokerSettings.DEFAULTS,
                () -> JournalFixtures.CLOCK)) {
            JournalFixtures.get(b.push("q", List.of(NewMessage.ofUtf8("a"), NewMessage.ofUtf8("b"))));
            List<Delivery> d = JournalFixtures.get(b.pop("q", new PopRequest("default", 2, 60_000, 0)));
            JournalFixtures.get(b.transact(List.of(
                    new TxOp.Push("q", List.of(NewMessage.ofUtf8("c"), NewMessage.ofUtf8("d"), NewMessage.ofUtf8("e"))),
                    new TxOp.Ack("q", AckRequest.of(Receipts.of(d))))));
        }
        Repaired r = (Repaired) JournalTool.repair(dir, "1", Segments.HEADER, true);
        assertThat(r.removed().byType()).containsExactly(Map.entry("queue_put", 1L), Map.entry("push", 1L),
                Map.entry("deliver", 1L), Map.entry("tx", 1L));
        assertThat(r.removed().messagesPushed()).isEqualTo(5);
        assertThat(r.removed().idsAcked()).isEqualTo(2);
        assertThat(r.unreadableBytes()).isZero();
    }

    static Map<String, String> digest(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).filter(p -> !p.endsWith("LOCK")).toList()) {
                byte[] h = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
                out.put(dir.relativize(p).toString(), HexFormat.of().formatHex(h));
            }
        }
        return out;
    }
}
