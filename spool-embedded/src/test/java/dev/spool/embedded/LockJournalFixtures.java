package dev.spool.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.OptionalLong;

import dev.spool.api.BrokerSettings;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Payload;

/**
 * Builds the damaged data directories {@code src/test/resources/journal-fixtures/locks-*}: one real
 * journal of lock records written by the engine, then one deterministic damage per fixture, placed
 * by record boundaries read from the files, like {@link JournalFixtures} does for messages.
 *
 * <p>The journal: lock {@code b} acquired (token 1, one hour) with the state {@code b-state}, then
 * {@value #CYCLES} cycles on lock {@code a}, each an acquire (token i), a state write
 * ({@code state-NN} padded to 100 bytes, version i) and a release; 4096-byte segments, so four
 * segments, with a snapshot the engine takes itself early in segment 3 (the damages are after it). Regenerate with {@code ./mvnw -o -pl spool-embedded -am test -Dtest=LockJournalFixturesTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dspool.fixtures.regenerate=true} (from the repository root).
 */
final class LockJournalFixtures {
    static final int CYCLES = 40;
    static final long TTL_MS = 3_600_000;

    /** One fixture: a name (its directory) and the damage that makes it. */
    enum Damage {
        LOCKS_CLEAN,
        /** The last 100 bytes of the last segment zeroed: a torn tail, cut on open. */
        LOCKS_ZEROED_TAIL,
        /** A byte of a lock record in the middle of the last segment, valid records after it. */
        LOCKS_FLIPPED_BYTE_MID_SEGMENT;

        String dirName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    private LockJournalFixtures() {
    }

    static String state(int i) {
        return String.format("%-100s", String.format("state-%02d", i));
    }

    /** Writes the undamaged journal into {@code dir}. */
    static void base(Path dir) throws IOException {
        try (EmbeddedBroker b = EmbeddedBroker.open(JournalFixtures.config(dir), BrokerSettings.DEFAULTS,
                () -> JournalFixtures.CLOCK)) {
            LockLease held = JournalFixtures.get(b.acquireLock("b", new LockRequest("holder", TTL_MS, 0)));
            JournalFixtures.get(b.putLockState("b", new LockStateWrite(held.fence(), Payload.ofUtf8("b-state"),
                    "text/plain", OptionalLong.empty())));
            for (int i = 1; i <= CYCLES; i++) {
                LockLease l = JournalFixtures.get(b.acquireLock("a", new LockRequest("w" + i, TTL_MS, 0)));
                JournalFixtures.get(b.putLockState("a", new LockStateWrite(l.fence(), Payload.ofUtf8(state(i)),
                        "text/plain", OptionalLong.empty())));
                JournalFixtures.get(b.releaseLock("a", l.fence()));
            }
        }
        Files.deleteIfExists(dir.resolve("LOCK"));
    }

    /** The highest segment number of the journal in {@code dir}. */
    static long lastSegment(Path dir) throws IOException {
        long last = 0;
        while (Files.exists(Segments.path(dir.resolve("journal"), last + 1))) {
            last++;
        }
        return last;
    }

    /** Writes the fixture {@code d} into {@code dir} (empty or absent). */
    static void make(Path dir, Damage d) throws IOException {
        base(dir);
        Path journal = dir.resolve("journal");
        long last = lastSegment(dir);
        switch (d) {
            case LOCKS_CLEAN -> {
            }
            case LOCKS_ZEROED_TAIL -> {
                Path p = Segments.path(journal, last);
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.allocate(100), Files.size(p) - 100);
                }
            }
            case LOCKS_FLIPPED_BYTE_MID_SEGMENT -> {
                List<SegmentReader.Record> rs = JournalFixtures.records(journal, last);
                SegmentReader.Record r = rs.get(rs.size() / 2);
                if (r.type() < RecordType.LOCK_ACQUIRE || r.type() > RecordType.LOCK_ACQUIRE + 9) {
                    throw new IllegalStateException("the fixture journal no longer has a lock record mid-segment");
                }
                JournalFixtures.flip(Segments.path(journal, last), r.position() + 12);
            }
        }
    }
}
