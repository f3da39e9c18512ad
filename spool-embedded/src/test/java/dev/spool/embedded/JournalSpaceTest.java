package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.NackRequest;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.Receipts;

/**
 * Disk use under a steady push/ack workload stays under twice the live data plus two segments,
 * even when a few old messages are never consumed and pin the oldest segments; deleting a dead
 * segment never holds up the engine.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JournalSpaceTest {
    private static final long SEGMENT = 256 * 1024;

    @TempDir
    Path dir;
    private long grace;

    @BeforeEach
    void noGrace() {
        grace = Space.deleteGraceMs;
        Space.deleteGraceMs = 0;
    }

    @AfterEach
    void restoreGrace() {
        Space.deleteGraceMs = grace;
    }

    @Test
    void shouldKeepDiskUseUnderTwiceLiveDataPlusTwoSegments() {
        EmbeddedConfig config = EmbeddedConfig.journal(dir).withSegmentBytes(SEGMENT);
        byte[] payload = new byte[1000];
        try (EmbeddedBroker b = EmbeddedBroker.open(config, BrokerSettings.DEFAULTS)) {
            List<NewMessage> pinned = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                pinned.add(NewMessage.of(payload));
            }
            get(b.push("pinned", pinned));
            List<NewMessage> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(NewMessage.of(payload));
            }
            for (int i = 0; i < 4; i++) {
                get(b.push("steady", batch));
            }
            long written = 0;
            long maxRatioCheck = 0;
            while (written < 20 * SEGMENT) {
                get(b.push("steady", batch));
                List<Delivery> d = get(b.pop("steady", new PopRequest("default", 50, 60_000, 0)));
                get(b.ack("steady", AckRequest.of(Receipts.of(d))));
                written += 50L * 1100;
                if (written / (SEGMENT / 4) > maxRatioCheck) {
                    maxRatioCheck = written / (SEGMENT / 4);
                    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                        long live = liveBytes(b);
                        assertThat(diskBytes()).as("disk use with %d live bytes", live)
                                .isLessThanOrEqualTo(2 * live + 2 * SEGMENT);
                    });
                }
            }
            // dead segments are deleted on the snapshot thread, shortly after the engine let them go
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(segmentCount()).isLessThanOrEqualTo(4);
                assertThat(Segments.path(dir.resolve("journal"), 1))
                        .as("the pinned messages' first segment was compacted").doesNotExist();
            });
            assertThat(get(b.getQueue("pinned")).stats().ready()).isEqualTo(20);
        }
        try (EmbeddedBroker b = EmbeddedBroker.open(config, BrokerSettings.DEFAULTS)) {
            List<Delivery> pinned = get(b.pop("pinned", PopRequest.of(100)));
            assertThat(pinned).hasSize(20);
            assertThat(pinned.get(0).body().payload().size()).isEqualTo(1000);
            assertThat(get(b.getQueue("steady")).stats().ready()).isEqualTo(200);
        }
    }

    @Test
    void shouldServePopsOfMessagesThatCompactionIsMoving() {
        // no payload cache: every pop of an older message reads its payload from the journal, also
        // right after compaction re-wrote it at the head and before that write reached the file
        EmbeddedConfig config = EmbeddedConfig.journal(dir).withSegmentBytes(SEGMENT).withPayloadCacheBytes(0);
        try (EmbeddedBroker b = EmbeddedBroker.open(config, BrokerSettings.DEFAULTS)) {
            get(b.putQueue("pinned", QueueConfig.DEFAULTS.withMaxAttempts(0)));
            List<NewMessage> pinned = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                byte[] p = new byte[1000];
                Arrays.fill(p, (byte) i);
                pinned.add(NewMessage.of(p));
            }
            long[] ids = get(b.push("pinned", pinned));
            List<NewMessage> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(NewMessage.of(new byte[1000]));
            }
            long written = 0;
            int reads = 0;
            while (written < 20 * SEGMENT) {
                var pushed = b.push("steady", batch).toCompletableFuture();
                var popped = b.pop("pinned", new PopRequest("default", 40, 60_000, 0)).toCompletableFuture();
                get(pushed);
                List<Delivery> d = get(b.pop("steady", new PopRequest("default", 50, 60_000, 0)));
                get(b.ack("steady", AckRequest.of(Receipts.of(d))));
                List<Delivery> p = get(popped);
                assertThat(p).hasSize(40);
                for (Delivery x : p) {
                    int i = Arrays.binarySearch(ids, x.id());
                    byte[] bytes = x.body().payload().toBytes();
                    assertThat(bytes).hasSize(1000).containsOnly((byte) i);
                    reads++;
                }
                get(b.nack("pinned", new NackRequest("default", Receipts.of(p), OptionalLong.of(0), Optional.empty())));
                written += 50L * 1100;
            }
            assertThat(reads).isGreaterThan(1000);
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    Segments.path(dir.resolve("journal"), 1)).as("the pinned messages were moved").doesNotExist());
        }
    }

    @Test
    void shouldKeepServingCommandsWhileADeadSegmentIsBeingDeleted() throws InterruptedException {
        CountDownLatch deleting = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean();
        AtomicReference<Path> blocked = new AtomicReference<>();
        JournalFiles slowDeletes = new ForwardingFiles(JournalFiles.REAL) {
            @Override
            public void delete(Path file) throws IOException {
                if (armed.get() && file.toString().endsWith(".seg") && blocked.compareAndSet(null, file)) {
                    deleting.countDown();
                    try {
                        // a disk busy enough that an unlink takes seconds
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.delete(file);
            }
        };
        EmbeddedConfig config = EmbeddedConfig.journal(dir).withSegmentBytes(SEGMENT);
        try (EmbeddedBroker b = EmbeddedBroker.open(config, BrokerSettings.DEFAULTS, System::currentTimeMillis,
                slowDeletes)) {
            armed.set(true);
            List<NewMessage> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(NewMessage.of(new byte[1000]));
            }
            for (int round = 0; round < 400 && deleting.getCount() > 0; round++) {
                get(b.push("steady", batch));
                get(b.ack("steady", AckRequest.of(Receipts.of(get(b.pop("steady",
                        new PopRequest("default", 50, 60_000, 0)))))));
            }
            assertThat(deleting.await(10, TimeUnit.SECONDS)).as("a dead segment's deletion started").isTrue();

            // the deletion hangs: pushes, pops and acks still complete
            for (int round = 0; round < 5; round++) {
                get(b.push("steady", batch));
                List<Delivery> d = get(b.pop("steady", new PopRequest("default", 50, 60_000, 0)));
                assertThat(d).hasSize(50);
                get(b.ack("steady", AckRequest.of(Receipts.of(d))));
            }
            assertThat(blocked.get()).as("the segment being deleted").exists();

            release.countDown();
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(blocked.get()).doesNotExist());
        } finally {
            release.countDown();
        }
    }

    private static long liveBytes(EmbeddedBroker b) {
        long[] sum = {0};
        get(b.onEngine(() -> b.engine().sm.queues.values()
                .forEach(q -> q.msgs.forEachValue(m -> sum[0] += m.storedBytes))));
        return sum[0];
    }

    private long diskBytes() throws IOException {
        long total = 0;
        for (String sub : new String[] {"journal", "snapshots"}) {
            try (Stream<Path> files = Files.list(dir.resolve(sub))) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    total += Files.size(p);
                }
            }
        }
        return total;
    }

    private long segmentCount() {
        try (Stream<Path> files = Files.list(dir.resolve("journal"))) {
            return files.count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }
}
