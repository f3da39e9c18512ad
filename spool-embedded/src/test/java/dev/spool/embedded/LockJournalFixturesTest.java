package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
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
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockState;
import dev.spool.api.SpoolException;
import dev.spool.embedded.JournalTool.Repaired;
import dev.spool.embedded.JournalTool.Report;
import dev.spool.embedded.JournalTool.Verdict;
import dev.spool.embedded.LockJournalFixtures.Damage;

/**
 * The damaged journals of lock records ({@link LockJournalFixtures}), checked in and generated now:
 * what {@link JournalTool#check} says, what {@link EmbeddedBroker#open} recovers (last token, holder,
 * state document), that a repair at the suggested cut opens, and that no token is issued twice.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LockJournalFixturesTest {
    private static final int NONE = -1;

    /**
     * What recovery gives for lock {@code a}.
     *
     * @param verdict what check says
     * @param offset the worst finding's offset in the last segment, or NONE for a clean journal
     * @param lastToken lock a's last token after open (or after the repair when the open refuses)
     * @param version lock a's state version then
     * @param heldToken the token of a's holder then, or 0 when free
     * @param refuses whether the open refuses (and a repair is needed)
     */
    record Expect(Verdict verdict, long offset, long lastToken, long version, long heldToken, boolean refuses) {
    }

    private static final Map<Damage, Expect> EXPECT = Map.of(
            Damage.LOCKS_CLEAN, new Expect(Verdict.CLEAN, NONE, 40, 40, 0, false),
            Damage.LOCKS_ZEROED_TAIL, new Expect(Verdict.RECOVERS, 465, 40, 39, 40, false),
            Damage.LOCKS_FLIPPED_BYTE_MID_SEGMENT, new Expect(Verdict.REFUSES, 354, 39, 39, 39, true));

    @TempDir
    Path tmp;

    static Stream<Arguments> fixtures() {
        return Stream.of(Damage.values()).flatMap(d -> Stream.of(Arguments.of(d, true), Arguments.of(d, false)));
    }

    @ParameterizedTest(name = "{0} (checked in: {1})")
    @MethodSource("fixtures")
    void shouldRecoverLocksFromEachFixtureWithoutReissuingATokenWhenOpened(Damage damage, boolean checkedIn)
            throws Exception {
        Path dir = tmp.resolve("dir");
        if (checkedIn) {
            JournalFixtures.copy(resource(damage), dir);
        } else {
            LockJournalFixtures.make(dir, damage);
        }
        Expect e = EXPECT.get(damage);
        String lastSeg = Segments.path(Path.of("journal"), LockJournalFixtures.lastSegment(dir)).toString();

        Report report = JournalTool.check(dir);
        assertThat(report.verdict()).isEqualTo(e.verdict());
        long offset = e.offset();
        if (e.offset() == NONE) {
            assertThat(report.findings()).isEmpty();
        } else if (checkedIn) {
            assertThat(report.findings()).anySatisfy(f -> {
                assertThat(f.file()).isEqualTo(lastSeg);
                assertThat(f.offset()).isEqualTo(e.offset());
            });
        } else {
            // a journal made by this build: record sizes move with the format, so the damage is found where
            // it is, in the last segment; the checked-in copies pin the exact offsets
            assertThat(report.findings()).anySatisfy(f -> assertThat(f.file()).isEqualTo(lastSeg));
            offset = report.findings().stream().filter(f -> f.file().equals(lastSeg)).findFirst().orElseThrow()
                    .offset();
        }
        long at = offset;
        if (e.refuses()) {
            assertThatThrownBy(() -> open(dir)).isInstanceOfSatisfying(SpoolException.class, x -> {
                assertThat(x.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                assertThat(x.getMessage()).contains(Path.of(lastSeg).getFileName() + " is damaged at offset "
                        + at);
            });
            String cut = report.suggestedRepair().orElseThrow();
            assertThat(cut).isEqualTo(lastSeg + ":" + at);
            Repaired r = (Repaired) JournalTool.repair(dir, lastSeg, at, false);
            assertThat(r.after().orElseThrow().verdict()).isIn(Verdict.CLEAN, Verdict.DAMAGED);
        } else {
            assertThat(report.suggestedRepair()).isEmpty();
        }

        try (EmbeddedBroker b = open(dir)) {
            LockInfo a = JournalFixtures.get(b.getLock("a"));
            assertThat(a.lastToken()).isEqualTo(e.lastToken());
            assertThat(a.holder().map(h -> h.token()).orElse(0L)).isEqualTo(e.heldToken());
            LockState s = JournalFixtures.get(b.getLockState("a"));
            assertThat(s.info().version()).isEqualTo(e.version());
            assertThat(s.payload().asUtf8()).isEqualTo(LockJournalFixtures.state((int) e.version()));
            LockInfo held = JournalFixtures.get(b.getLock("b"));
            assertThat(held.holder().orElseThrow().token()).isEqualTo(1);
            assertThat(JournalFixtures.get(b.getLockState("b")).payload().asUtf8()).isEqualTo("b-state");
            if (e.heldToken() == 0) {
                LockLease next = JournalFixtures.get(b.acquireLock("a", new LockRequest("after", 60_000, 0)));
                assertThat(next.token()).as("a token is never issued twice").isEqualTo(e.lastToken() + 1);
            } else {
                assertThatThrownBy(() -> JournalFixtures.get(b.acquireLock("a", new LockRequest("after", 60_000, 0))))
                        .hasRootCauseInstanceOf(SpoolException.class).rootCause()
                        .satisfies(x -> assertThat(((SpoolException) x).code()).isEqualTo(ErrorCode.LOCK_HELD));
            }
        }
    }

    /** Rewrites the checked-in fixtures; run with -Dspool.fixtures.regenerate=true from this module. */
    @Test
    @EnabledIfSystemProperty(named = "spool.fixtures.regenerate", matches = "true")
    void regenerateTheCheckedInFixtures() throws IOException {
        Path root = Path.of("src/test/resources/journal-fixtures");
        for (Damage d : Damage.values()) {
            Path dir = root.resolve(d.dirName());
            dev.spool.testkit.TestDirs.delete(dir);
            LockJournalFixtures.make(dir, d);
        }
        assertThat(root.resolve("locks-clean/journal")).isDirectory();
    }

    private static Path resource(Damage d) throws URISyntaxException {
        return JournalFixtures.resource(d.dirName());
    }

    private static EmbeddedBroker open(Path dir) {
        return JournalFixtures.open(dir);
    }
}
