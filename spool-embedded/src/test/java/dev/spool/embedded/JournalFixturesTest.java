package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;
import dev.spool.embedded.JournalFixtures.Damage;
import dev.spool.embedded.JournalTool.Finding;
import dev.spool.embedded.JournalTool.Repaired;
import dev.spool.embedded.JournalTool.Report;
import dev.spool.embedded.JournalTool.Severity;
import dev.spool.embedded.JournalTool.Verdict;

/**
 * Every corruption fixture with its expected outcome for (a) {@link EmbeddedBroker#open}, (b)
 * {@link JournalTool#check} and (c) {@link JournalTool#repair} at the cut check suggests. Each runs
 * twice: on the checked-in bytes of {@code src/test/resources/journal-fixtures/} (a journal written
 * by an older build must still be read the same way) and on a journal generated now by
 * {@link JournalFixtures} (the damages still mean what they meant).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JournalFixturesTest {
    private static final String SEG1 = "journal/00000000000000000001.seg";
    private static final String SEG2 = "journal/00000000000000000002.seg";
    private static final String SEG3 = "journal/00000000000000000003.seg";
    private static final int NONE = -1;

    /**
     * The expected outcome of one fixture.
     *
     * @param verdict what check says recovery does
     * @param file the file of the worst finding
     * @param offset its offset
     * @param severity its severity
     * @param what a part of its text
     * @param ready messages ready after the open, or NONE when the open refuses
     * @param refusal a part of the open's error when it refuses
     * @param removed acknowledged records the repair at the suggested cut removes, or NONE when there is no cut
     * @param readyAfterRepair messages ready after the repair
     */
    record Expect(Verdict verdict, String file, long offset, Severity severity, String what, int ready,
            String refusal, int removed, int readyAfterRepair) {
    }

    private static final Map<Damage, Expect> EXPECT = Map.ofEntries(
            Map.entry(Damage.CLEAN, new Expect(Verdict.CLEAN, null, 0, null, null, 110, null, NONE, NONE)),
            Map.entry(Damage.FLIPPED_BYTE_MID_SEGMENT, new Expect(Verdict.REFUSES, SEG3, 1476,
                    Severity.FATAL, "but a valid record follows", NONE,
                    "00000000000000000003.seg is damaged at offset 1476", 15, 94)),
            Map.entry(Damage.FLIPPED_BYTE_EARLIER_SEGMENT, new Expect(Verdict.REFUSES, SEG2, 4082,
                    Severity.FATAL, "and later segments exist", NONE,
                    "00000000000000000002.seg is damaged at offset 4082", 32, 77)),
            Map.entry(Damage.FLIPPED_BYTE_BEFORE_SNAPSHOT, new Expect(Verdict.DAMAGED, SEG1, 3885, Severity.DAMAGE,
                    "live messages whose payload is in a damaged part: 1", 110, null, NONE, NONE)),
            Map.entry(Damage.TRUNCATED_HEADER, new Expect(Verdict.REFUSES, SEG2, 0, Severity.FATAL,
                    "the segment header is damaged", NONE, "the segment header is damaged", 32, 32)),
            Map.entry(Damage.UNFINISHED_SEGMENT, new Expect(Verdict.RECOVERS, "journal/00000000000000000004.seg", 0,
                    Severity.NOTE, "never completely written", 110, null, NONE, NONE)),
            Map.entry(Damage.ZEROED_TAIL, new Expect(Verdict.RECOVERS, SEG3, 2750, Severity.NOTE,
                    "torn tail", 108, null, NONE, NONE)),
            Map.entry(Damage.BAD_SNAPSHOT, new Expect(Verdict.DAMAGED, "snapshots/00000002000004b2.snap", 0,
                    Severity.DAMAGE, "does not match its CRC32C", 110, null, NONE, NONE)),
            Map.entry(Damage.NO_GOOD_SNAPSHOT, new Expect(Verdict.DAMAGED, "snapshots/0000000100000c03.snap", 0,
                    Severity.DAMAGE, "does not match its CRC32C", 110, null, NONE, NONE)),
            Map.entry(Damage.MISSING_SEGMENT_AFTER_SNAPSHOT, new Expect(Verdict.REFUSES, SEG2, 0, Severity.FATAL,
                    "the segment is missing", NONE, "segment 2 is missing", 32, 32)),
            Map.entry(Damage.MISSING_SEGMENT_BEFORE_SNAPSHOT, new Expect(Verdict.DAMAGED, SEG1, 0, Severity.DAMAGE,
                    "live messages whose payload is in this missing segment: 32", 110, null, NONE, NONE)));

    @TempDir
    Path tmp;

    static Stream<Arguments> fixtures() {
        return Stream.of(Damage.values()).flatMap(d -> Stream.of(Arguments.of(d, true), Arguments.of(d, false)));
    }

    @ParameterizedTest(name = "{0} (checked in: {1})")
    @MethodSource("fixtures")
    void shouldOpenCheckAndRepairEachFixtureAsExpected(Damage damage, boolean checkedIn) throws Exception {
        Path source = tmp.resolve("source");
        if (checkedIn) {
            JournalFixtures.copy(resource(damage), source);
        } else {
            JournalFixtures.make(source, damage);
        }
        Expect e = EXPECT.get(damage);
        Path opened = tmp.resolve("opened");
        JournalFixtures.copy(source, opened);
        Path repaired = tmp.resolve("repaired");
        JournalFixtures.copy(source, repaired);

        Report report = JournalTool.check(source);
        assertThat(report.verdict()).isEqualTo(e.verdict());
        if (e.file() == null) {
            assertThat(report.findings()).isEmpty();
        } else {
            assertThat(report.findings()).anySatisfy(f -> {
                assertThat(f.file()).isEqualTo(e.file());
                assertThat(f.offset()).isEqualTo(e.offset());
                assertThat(f.severity()).isEqualTo(e.severity());
                assertThat(f.what()).contains(e.what());
            });
        }
        assertThat(report.findings()).extracting(Finding::severity).allMatch(s -> s.compareTo(e.severity()) <= 0);

        if (e.ready() == NONE) {
            Map<String, String> before = digest(opened);
            assertThatThrownBy(() -> open(opened)).isInstanceOfSatisfying(SpoolException.class, x -> {
                assertThat(x.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                assertThat(x.getMessage()).contains(e.refusal());
            });
            assertThat(digest(opened)).as("a refused open changes nothing").isEqualTo(before);
        } else {
            assertThat(readyAfterOpen(opened)).isEqualTo(e.ready());
        }

        if (e.removed() == NONE) {
            assertThat(report.suggestedRepair()).isEmpty();
            return;
        }
        String cut = report.suggestedRepair().orElseThrow();
        if (e.offset() != 0 || e.what().contains("header")) {
            assertThat(cut).isEqualTo(e.file() + ":" + e.offset());
        }
        int colon = cut.lastIndexOf(':');
        Repaired r = (Repaired) JournalTool.repair(repaired, cut.substring(0, colon),
                Long.parseLong(cut.substring(colon + 1)), false);
        assertThat(r.removed().records()).isEqualTo(e.removed());
        assertThat(r.removed().messagesPushed()).isEqualTo(e.removed());
        assertThat(r.after().orElseThrow().verdict()).isIn(Verdict.CLEAN, Verdict.DAMAGED);
        assertThat(r.backupDir().orElseThrow().resolve("REPAIR.txt")).exists();
        assertThat(readyAfterOpen(repaired)).isEqualTo(e.readyAfterRepair());
    }

    /** Rewrites the checked-in fixtures; run with -Dspool.fixtures.regenerate=true from this module. */
    @Test
    @EnabledIfSystemProperty(named = "spool.fixtures.regenerate", matches = "true")
    void regenerateTheCheckedInFixtures() throws IOException {
        Path root = Path.of("src/test/resources/journal-fixtures");
        for (Damage d : Damage.values()) {
            Path dir = root.resolve(d.dirName());
            dev.spool.testkit.TestDirs.delete(dir);
            JournalFixtures.make(dir, d);
        }
        assertThat(root.resolve("clean/journal")).isDirectory();
    }

    private static Path resource(Damage d) throws URISyntaxException {
        return JournalFixtures.resource(d.dirName());
    }

    private static EmbeddedBroker open(Path dir) {
        return JournalFixtures.open(dir);
    }

    private static long readyAfterOpen(Path dir) {
        try (EmbeddedBroker b = open(dir)) {
            return JournalFixtures.get(b.getQueue("q")).stats().ready();
        }
    }

    private static Map<String, String> digest(Path dir) throws IOException, NoSuchAlgorithmException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            // the LOCK file an open creates is not journal data
            for (Path p : s.filter(Files::isRegularFile).filter(p -> !p.endsWith("LOCK")).toList()) {
                byte[] h = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
                out.put(dir.relativize(p).toString(), HexFormat.of().formatHex(h));
            }
        }
        return out;
    }
}
