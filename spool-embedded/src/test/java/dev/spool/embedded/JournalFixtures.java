package dev.spool.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.Receipts;

/**
 * Builds the damaged data directories of {@code src/test/resources/journal-fixtures/}: one real
 * journal written by the engine, then one deterministic damage per fixture, placed by record
 * boundaries read from the files (not by fixed offsets), so the same damages can be made again on a
 * fresh journal after a format change.
 *
 * <p>The journal: queue {@code q}; 20 pushes; 10 of them popped and acked; 10 more pushes; snapshot
 * S1; pushes up to 55; snapshot S2; pushes up to 120 (one message per push record, payloads
 * {@code message-NN}); 4096-byte segments, so three segments, S1 in segment 1 and S2 in segment 2.
 * After it, 110 messages are ready. Regenerate the checked-in copies with
 * {@code ./mvnw -o -pl spool-embedded -am test -Dtest=JournalFixturesTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dspool.fixtures.regenerate=true} (run from the repository root).
 */
final class JournalFixtures {
    static final long CLOCK = 1_750_000_000_000L;
    static final int MESSAGES = 120;
    static final int ACKED = 10;
    static final int S1_AFTER = 30;
    static final int S2_AFTER = 55;

    /** One fixture: a name (its directory) and the damage that makes it. */
    enum Damage {
        CLEAN,
        FLIPPED_BYTE_MID_SEGMENT,
        FLIPPED_BYTE_EARLIER_SEGMENT,
        FLIPPED_BYTE_BEFORE_SNAPSHOT,
        TRUNCATED_HEADER,
        UNFINISHED_SEGMENT,
        ZEROED_TAIL,
        BAD_SNAPSHOT,
        NO_GOOD_SNAPSHOT,
        MISSING_SEGMENT_AFTER_SNAPSHOT,
        MISSING_SEGMENT_BEFORE_SNAPSHOT;

        String dirName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    private JournalFixtures() {
    }

    static EmbeddedConfig config(Path dir) {
        return EmbeddedConfig.journal(dir).withSegmentBytes(4096).withSnapshotEveryBytes(1L << 30);
    }

    /** Writes the undamaged journal into {@code dir}. */
    static void base(Path dir) throws IOException {
        try (EmbeddedBroker b = EmbeddedBroker.open(config(dir), BrokerSettings.DEFAULTS, () -> CLOCK)) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));
            push(b, 0, 20);
            List<Delivery> d = get(b.pop("q", new PopRequest("default", ACKED, 3_600_000, 0)));
            get(b.ack("q", AckRequest.of(Receipts.of(d))));
            push(b, 20, S1_AFTER);
            JournalRecoveryTest.snapshotNow(b);
            push(b, S1_AFTER, S2_AFTER);
            JournalRecoveryTest.snapshotNow(b);
            push(b, S2_AFTER, MESSAGES);
        }
        Files.deleteIfExists(dir.resolve("LOCK"));
    }

    private static void push(EmbeddedBroker b, int from, int to) {
        for (int i = from; i < to; i++) {
            get(b.push("q", List.of(NewMessage.builder(String.format("message-%02d", i))
                    .contentType("text/plain").build())));
        }
    }

    /** Writes the fixture {@code d} into {@code dir} (empty or absent). */
    static void make(Path dir, Damage d) throws IOException {
        base(dir);
        Path journal = dir.resolve("journal");
        List<Path> snaps = snapshots(dir);
        switch (d) {
            case CLEAN -> {
            }
            case FLIPPED_BYTE_MID_SEGMENT -> {
                List<SegmentReader.Record> rs = records(journal, 3);
                flip(Segments.path(journal, 3), rs.get(rs.size() / 2).position() + 20);
            }
            case FLIPPED_BYTE_EARLIER_SEGMENT -> {
                List<SegmentReader.Record> rs = records(journal, 2);
                SegmentReader.Record last = rs.get(rs.size() - 1);
                check(JournalPos.of(2, last.position()) >= position(snaps.get(1)), "S2 is before the damage");
                flip(Segments.path(journal, 2), last.position() + 20);
            }
            case FLIPPED_BYTE_BEFORE_SNAPSHOT -> {
                // a push of a message that is still live (not among the acked first ten)
                List<SegmentReader.Record> rs = records(journal, 1);
                SegmentReader.Record r = rs.get(rs.size() - 3);
                check(r.type() == RecordType.PUSH, "a push");
                flip(Segments.path(journal, 1), r.position() + 30);
            }
            case TRUNCATED_HEADER -> truncate(Segments.path(journal, 2), 16);
            case UNFINISHED_SEGMENT -> {
                ByteBuffer h = Segments.header(4);
                Files.write(Segments.path(journal, 4), java.util.Arrays.copyOf(h.array(), 16));
            }
            case ZEROED_TAIL -> {
                Path p = Segments.path(journal, 3);
                long size = Files.size(p);
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.allocate(100), size - 100);
                }
            }
            case BAD_SNAPSHOT -> flip(snaps.get(1), Files.size(snaps.get(1)) / 2);
            case NO_GOOD_SNAPSHOT -> {
                flip(snaps.get(0), Files.size(snaps.get(0)) / 2);
                flip(snaps.get(1), Files.size(snaps.get(1)) / 2);
            }
            case MISSING_SEGMENT_AFTER_SNAPSHOT -> Files.delete(Segments.path(journal, 2));
            case MISSING_SEGMENT_BEFORE_SNAPSHOT -> Files.delete(Segments.path(journal, 1));
        }
    }

    static List<Path> snapshots(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("snapshots"))) {
            return s.filter(p -> p.toString().endsWith(".snap")).sorted().toList();
        }
    }

    static long position(Path snapshot) {
        String n = snapshot.getFileName().toString();
        return Long.parseUnsignedLong(n.substring(0, n.length() - 5), 16);
    }

    static List<SegmentReader.Record> records(Path journal, long seg) throws IOException {
        List<SegmentReader.Record> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(Segments.path(journal, seg), StandardOpenOption.READ)) {
            SegmentReader r = new SegmentReader(ch, Segments.HEADER);
            SegmentReader.Record rec;
            while ((rec = r.next()) != null) {
                out.add(rec);
            }
        }
        return out;
    }

    static void flip(Path file, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, at);
            one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind();
            ch.write(one, at);
        }
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("the fixture journal no longer has the expected layout: " + what);
        }
    }

    static <T> T get(CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    static void copy(Path from, Path to) {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The checked-in fixture {@code src/test/resources/journal-fixtures/<name>}. */
    static Path resource(String name) throws java.net.URISyntaxException {
        java.net.URL url = JournalFixtures.class.getResource("/journal-fixtures/" + name);
        org.assertj.core.api.Assertions.assertThat(url).as("checked-in fixture " + name).isNotNull();
        return Path.of(url.toURI());
    }

    /** Opens a fixture at the fixtures' clock, so that no message has reached its TTL since they were written. */
    static EmbeddedBroker open(Path dir) {
        return EmbeddedBroker.open(config(dir), dev.spool.api.BrokerSettings.DEFAULTS, () -> CLOCK);
    }
}
