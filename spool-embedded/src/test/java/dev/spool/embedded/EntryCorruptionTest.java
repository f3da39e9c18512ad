package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.BrokerSettings;
import dev.spool.api.ErrorCode;
import dev.spool.api.MessageBody;
import dev.spool.api.MessageQuery;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.SpoolException;

/**
 * A byte flipped inside a message entry on disk is reported as corruption, naming the segment and
 * offset, by every read of it (pop, task view) and stops compaction from copying it; the broker
 * keeps serving other messages.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EntryCorruptionTest {
    @TempDir
    Path dir;

    private static <T> T get(CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private EmbeddedBroker open() {
        return EmbeddedBroker.open(EmbeddedConfig.journal(dir).withPayloadCacheBytes(0), BrokerSettings.DEFAULTS);
    }

    private static byte[] marked(String marker, int size) {
        byte[] p = new byte[size];
        Arrays.fill(p, (byte) 'x');
        byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(m, 0, p, 0, m.length);
        return p;
    }

    /** Flips one byte {@code past} bytes after the marker in the only segment; returns the segment. */
    private Path flip(String marker, int past) throws IOException {
        Path seg;
        try (var files = Files.list(dir.resolve("journal"))) {
            seg = files.filter(f -> f.toString().endsWith(".seg")).sorted().toList().get(0);
        }
        byte[] all = Files.readAllBytes(seg);
        byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
        int at = -1;
        for (int i = 0; i + m.length <= all.length && at < 0; i++) {
            if (Arrays.equals(all, i, i + m.length, m, 0, m.length)) {
                at = i;
            }
        }
        assertThat(at).as("marker %s in %s", marker, seg).isPositive();
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {(byte) (all[at + past] ^ 0x20)}), at + past);
        }
        return seg;
    }

    private static void assertCorruption(Path seg, Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(CompletionException.class, e -> {
            assertThat(e.getCause()).isInstanceOf(SpoolException.class);
            SpoolException s = (SpoolException) e.getCause();
            assertThat(s.code()).isEqualTo(ErrorCode.INTERNAL);
            assertThat(s.getMessage()).contains("journal corruption").contains(seg.toString()).contains("offset");
        });
    }

    private void awaitCacheEmpty(EmbeddedBroker b) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            long[] bytes = new long[1];
            get(b.onEngine(() -> bytes[0] = b.journal().wal().cacheBytes()));
            return bytes[0] == 0;
        });
    }

    @Test
    void shouldReportCorruptionWhenPoppingOrViewingADamagedInlinePayload() throws IOException {
        try (EmbeddedBroker b = open()) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));
            long bad = get(b.push("q", List.of(NewMessage.of(marked("SMALL-BAD", 300)))))[0];
            get(b.push("q", List.of(NewMessage.of(marked("SMALL-GOOD", 300)))));
            awaitCacheEmpty(b);
            Path seg = flip("SMALL-BAD", 100);

            assertCorruption(seg, () -> get(b.getMessage("q", bad, MessageQuery.NOW)));
            assertCorruption(seg, () -> get(b.pop("q", new PopRequest("default", 1, 600_000, 0))));

            var good = get(b.pop("q", new PopRequest("default", 1, 600_000, 0)));
            assertThat(good).hasSize(1);
            assertThat(new String(good.get(0).body().payload().toBytes(), StandardCharsets.US_ASCII))
                    .startsWith("SMALL-GOOD");
        }
    }

    @Test
    void shouldReportCorruptionBeforeHandingOutAStreamedLargePayload() throws IOException {
        try (EmbeddedBroker b = open()) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));
            get(b.push("q", List.of(NewMessage.of(marked("LARGE-BAD", 300_000)))));
            awaitCacheEmpty(b);
            Path seg = flip("LARGE-BAD", 250_000);

            assertCorruption(seg, () -> get(b.pop("q", new PopRequest("default", 1, 600_000, 0))));
        }
    }

    @Test
    void shouldReportCorruptionWhenAHeaderFieldIsDamaged() throws IOException {
        try (EmbeddedBroker b = open()) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));
            MessageBody body = new MessageBody(Payload.of(new byte[] {1, 2, 3}), MessageBody.OCTET_STREAM,
                    java.util.Map.of("hdr", "HEADER-VALUE"), java.util.Optional.empty(), 0, java.util.Optional.empty());
            long id = get(b.push("q", List.of(new NewMessage(body, 0, 0, 0, java.util.Optional.empty()))))[0];
            awaitCacheEmpty(b);
            Path seg = flip("HEADER-VALUE", 3);

            assertCorruption(seg, () -> get(b.getMessage("q", id, MessageQuery.NOW)));
        }
    }

    @Test
    void shouldNotCompactADamagedMessage() throws IOException {
        try (EmbeddedBroker b = open()) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));
            long id = get(b.push("q", List.of(NewMessage.of(marked("MOVE-BAD", 500)))))[0];
            awaitCacheEmpty(b);
            flip("MOVE-BAD", 200);
            long[] before = new long[2];

            get(b.onEngine(() -> {
                Msg m = b.engine().sm.queues.get("q").msgs.get(id);
                before[0] = m.location;
                b.journal().wal().relocate(m, b.engine().now);
                before[1] = m.location;
            }));

            assertThat(before[1]).as("location after compaction").isEqualTo(before[0]);
        }
    }
}
