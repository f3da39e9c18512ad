package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durability under power loss: {@link PowerLossHarness} cuts the power at random points of a
 * concurrent workload (group commit, segment rolls, snapshots, compaction and segment deletion all
 * happen every round) and checks every acknowledged write after each reopen. {@code ./mvnw verify}
 * runs {@value #DEFAULT_CUTS} cuts; the long form is
 * {@code ./mvnw -o -pl spool-embedded verify -Dtest=PowerLossTest -Dspool.powerloss.cuts=5000}
 * ({@code -Dspool.powerloss.seed=N} replays a failing run: the seed is in the failure message).
 */
@Timeout(value = 14400, unit = TimeUnit.SECONDS)
class PowerLossTest {
    private static final Logger LOG = LoggerFactory.getLogger(PowerLossTest.class);
    private static final int DEFAULT_CUTS = 150;

    @TempDir
    Path dir;
    private long grace;

    @BeforeEach
    void deleteSegmentsAtOnce() {
        grace = Space.deleteGraceMs;
        Space.deleteGraceMs = 0;
    }

    @AfterEach
    void restoreGrace() {
        Space.deleteGraceMs = grace;
    }

    @Test
    void shouldKeepEveryAcknowledgedWriteAcrossPowerCuts() throws Exception {
        int cuts = Integer.getInteger("spool.powerloss.cuts", DEFAULT_CUTS);
        long seed = Long.getLong("spool.powerloss.seed", new Random().nextLong());
        PowerLossHarness h = new PowerLossHarness(dir, seed, FsyncPolicy.ALWAYS, false);
        try {
            for (int i = 0; i < cuts; i++) {
                h.round();
            }
            h.finalCheck();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("seed " + seed + ", after " + h.rounds + " cuts: " + e.getMessage(), e);
        }
        LOG.info("power loss: {} cuts, {} confirmed operations, {} unforced bytes dropped, {} torn writes, "
                + "{} directory entries undone, {} damaged records refused, {} confirmed lock operations (seed {})",
                h.rounds, h.confirmedOps, h.bytesDropped, h.tornWrites, h.entriesUndone, h.rotted, h.locks.confirmedOps,
                seed);
        assertThat(h.confirmedOps).as("the workload did something").isGreaterThan(cuts * 10L);
        assertThat(h.locks.confirmedOps).as("the workload used locks").isGreaterThan(cuts);
        assertThat(h.bytesDropped).as("the cuts dropped unforced writes").isPositive();
        assertThat(h.entriesUndone).as("the cuts undid unsynced directory entries").isPositive();
        assertThat(h.rotted).as("damage in the middle of the last segment was refused").isPositive();
    }

    @Test
    void shouldCatchAJournalThatDoesNotForce() {
        long seed = new Random().nextLong();
        PowerLossHarness h = new PowerLossHarness(dir, seed, FsyncPolicy.ALWAYS, true);
        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) {
                h.round();
            }
        }).as("with fsync removed, some acknowledged write must be lost (seed %d)", seed)
                .isInstanceOf(AssertionError.class);
    }
}
