package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockState;
import dev.spool.api.LockStateWrite;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;

/**
 * Lock state in the journal: a 64 MiB document is written and read without being held whole on
 * the heap, and live documents survive segment rolls, snapshots, compaction and restarts while the
 * segments that held their first copies are deleted.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LockJournalTest {
    private static final long MIB = 1L << 20;
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

    private static <T> T get(CompletionStage<T> s) {
        try {
            return s.toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static LockLease acquire(EmbeddedBroker b, String name) {
        return get(b.acquireLock(name, new LockRequest("test", 600_000, 0)));
    }

    private static void put(EmbeddedBroker b, String name, LockLease l, Payload p) {
        get(b.putLockState(name, new LockStateWrite(l.fence(), p, "application/octet-stream", OptionalLong.empty())));
    }

    @Test
    void shouldWriteAndReadA64MiBStateWithoutHoldingItOnTheHeap() throws Exception {
        Path file = dir.resolve("state.bin");
        String sent = writePattern(file, 64 * MIB);
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.journal(dir.resolve("j")), BrokerSettings.DEFAULTS)) {
            LockLease l = acquire(b, "big");
            long before = usedAfterGc(mem);
            long peak;
            try (LiveHeap live = new LiveHeap(mem)) {
                put(b, "big", l, Payload.ofFile(file, 64 * MIB));
                LockState s = get(b.getLockState("big"));
                assertThat(s.payload()).isInstanceOf(Payload.Streamed.class);
                assertThat(digest(s.payload().openStream())).isEqualTo(sent);
                peak = live.peak();
            }
            assertThat(peak - before).as("live heap growth while a 64 MiB state moved, bytes").isLessThan(32 * MIB);
        }
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.journal(dir.resolve("j")), BrokerSettings.DEFAULTS)) {
            assertThat(digest(get(b.getLockState("big")).payload().openStream())).isEqualTo(sent);
        }
    }

    @Test
    void shouldKeepLiveStateWhenSegmentsRollAndCompact() {
        EmbeddedConfig config = EmbeddedConfig.journal(dir).withSegmentBytes(SEGMENT);
        byte[] keep = new byte[3000];
        new Random(1).nextBytes(keep);
        byte[] big = new byte[100_000];
        new Random(2).nextBytes(big);
        byte[] filler = new byte[1000];
        byte[] last = null;
        try (EmbeddedBroker b = EmbeddedBroker.open(config, BrokerSettings.DEFAULTS)) {
            LockLease a = acquire(b, "kept");
            put(b, "kept", a, Payload.of(keep));
            LockLease large = acquire(b, "large");
            put(b, "large", large, Payload.of(big));
            LockLease churn = acquire(b, "churn");
            long firstSegment = onEngine(b, () -> JournalPos.segment(b.engine().sm.locks.get("kept").doc.location));
            List<NewMessage> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(NewMessage.of(filler));
            }
            assertThat(segmentExists(firstSegment)).isTrue();
            for (int round = 0; round < 400 && segmentExists(firstSegment); round++) {
                get(b.push("steady", batch));
                List<Delivery> d = get(b.pop("steady", new PopRequest("default", 50, 60_000, 0)));
                get(b.ack("steady", AckRequest.of(Receipts.of(d))));
                last = ("churn-" + round).getBytes();
                put(b, "churn", churn, Payload.of(last));
            }
            assertThat(segmentExists(firstSegment)).as("the segment of the first state write was reclaimed").isFalse();
            assertThat(get(b.getLockState("kept")).payload().toBytes()).isEqualTo(keep);
            assertThat(get(b.getLockState("large")).payload().toBytes()).isEqualTo(big);
            assertThat(segmentCount()).as("segments on disk").isLessThan(12);
        }
        try (EmbeddedBroker b = EmbeddedBroker.open(config, BrokerSettings.DEFAULTS)) {
            assertThat(get(b.getLockState("kept")).payload().toBytes()).isEqualTo(keep);
            assertThat(get(b.getLockState("large")).payload().toBytes()).isEqualTo(big);
            assertThat(get(b.getLockState("churn")).payload().toBytes()).isEqualTo(last);
            assertThat(get(b.getLock("kept")).holder()).isPresent();
        }
    }

    private static <T> T onEngine(EmbeddedBroker b, java.util.function.Supplier<T> read) {
        Object[] out = new Object[1];
        get(b.onEngine(() -> out[0] = read.get()));
        @SuppressWarnings("unchecked")
        T t = (T) out[0];
        return t;
    }

    private boolean segmentExists(long segment) {
        return Files.exists(Segments.path(dir.resolve("journal"), segment));
    }

    private long segmentCount() {
        try (Stream<Path> s = Files.list(dir.resolve("journal"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".seg")).count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String writePattern(Path file, long size) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[(int) MIB];
        Random r = new Random(7);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long n = 0; n < size; n += chunk.length) {
                r.nextBytes(chunk);
                out.write(chunk);
                md.update(chunk);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String digest(InputStream in) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[64 * 1024];
        int n;
        try (in) {
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static long usedAfterGc(MemoryMXBean mem) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return mem.getHeapMemoryUsage().getUsed();
    }

    /** The most heap live (used right after a forced collection) while it ran, sampled every 100 ms. */
    private static final class LiveHeap implements AutoCloseable {
        private final MemoryMXBean mem;
        private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        private final AtomicLong peak = new AtomicLong();
        private final AtomicLong samples = new AtomicLong();

        LiveHeap(MemoryMXBean mem) {
            this.mem = mem;
            sampler.scheduleWithFixedDelay(this::sample, 0, 100, TimeUnit.MILLISECONDS);
        }

        private void sample() {
            System.gc();
            peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
            samples.incrementAndGet();
        }

        long peak() {
            assertThat(samples.get()).as("heap samples taken during the transfer").isGreaterThanOrEqualTo(2);
            return peak.get();
        }

        @Override
        public void close() throws InterruptedException {
            sampler.shutdown();
            assertThat(sampler.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
