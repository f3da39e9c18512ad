package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.GroupSpec;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.NackRequest;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.api.StartPosition;
import dev.spool.api.TaskResult;
import dev.spool.testkit.FaultInjectingFileChannel;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalRecoveryTest {

    @TempDir
    Path dir;

    private EmbeddedBroker open() {
        return EmbeddedBroker.open(EmbeddedConfig.journal(dir), BrokerSettings.DEFAULTS);
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void shouldRestoreMessagesLeasesResultsAndGroupsAfterARestart() {
        long[] ids;
        List<Delivery> leased;
        try (EmbeddedBroker b = open()) {
            get(b.putQueue("q", QueueConfig.DEFAULTS.withMaxAttempts(9)));
            get(b.putGroup("q", "audit", new GroupSpec(StartPosition.EARLIEST)));
            List<NewMessage> batch = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                batch.add(NewMessage.builder("m" + i).key(i < 4 ? "k" : null).priority(i == 9 ? 5 : 0)
                        .header("n", Integer.toString(i)).dedupId("d" + i).contentType("text/plain").build());
            }
            ids = get(b.push("q", batch));
            leased = get(b.pop("q", new PopRequest("default", 3, 60_000, 0)));
            assertThat(leased).extracting(Delivery::id).containsExactly(ids[9], ids[0], ids[4]);
            TaskResult result = new TaskResult(Payload.ofUtf8("{\"ok\":true}"), "application/json");
            get(b.ack("q", new AckRequest("default", Receipts.of(List.of(leased.get(1))), Optional.of(result))));
            get(b.nack("q", new NackRequest("default", Receipts.of(List.of(leased.get(2))), OptionalLong.of(0),
                    Optional.of("try later"))));
        }
        try (EmbeddedBroker b = open()) {
            var stats = get(b.getQueue("q")).stats();
            assertThat(stats.inFlight()).isEqualTo(1);
            assertThat(stats.ready()).isEqualTo(6);
            assertThat(stats.delayed()).isEqualTo(2);
            assertThat(get(b.getGroup("q", "audit")).stats().ready()).isEqualTo(7);
            assertThat(get(b.ack("q", AckRequest.of(Receipts.of(List.of(leased.get(0)))))).get(0))
                    .isEqualTo(ReceiptOutcome.OK);
            MessageView acked = get(b.getMessage("q", ids[0], MessageQuery.NOW));
            assertThat(acked.state()).isEqualTo(MessageState.ACKED);
            assertThat(acked.result().orElseThrow().payload().asUtf8()).isEqualTo("{\"ok\":true}");
            MessageView nacked = get(b.getMessage("q", ids[4], MessageQuery.NOW));
            assertThat(nacked.state()).isEqualTo(MessageState.READY);
            assertThat(nacked.attempts()).isEqualTo(1);
            assertThat(nacked.lastError()).contains("try later");
            assertThat(nacked.body().orElseThrow().headers()).containsEntry("n", "4");
            assertThat(nacked.body().orElseThrow().contentType()).isEqualTo("text/plain");
            long[] again = get(b.push("q", List.of(NewMessage.builder("dup").dedupId("d3").build())));
            assertThat(again[0]).isEqualTo(ids[3]);
            long[] fresh = get(b.push("q", List.of(NewMessage.ofUtf8("new"))));
            assertThat(fresh[0]).isGreaterThan(ids[9]);
            List<Delivery> next = get(b.pop("q", new PopRequest("default", 10, 60_000, 0)));
            assertThat(next).extracting(d -> d.body().payload().asUtf8())
                    .containsExactly("m1", "m4", "m5", "m6", "m7", "m8", "new");
        }
    }

    @Test
    void shouldTruncateATornTailAndKeepEveryAcknowledgedWrite() throws IOException {
        AtomicReference<FaultInjectingFileChannel> channel = new AtomicReference<>();
        long[] before;
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.journal(dir), BrokerSettings.DEFAULTS,
                System::currentTimeMillis, new ForwardingFiles(JournalFiles.REAL) {
                    @Override
                    public FileChannel open(Path file, java.nio.file.OpenOption... options) throws IOException {
                        FileChannel real = super.open(file, options);
                        if (!file.toString().endsWith(".seg")) {
                            return real;
                        }
                        FaultInjectingFileChannel ch = FaultInjectingFileChannel.wrap(real);
                        channel.set(ch);
                        return ch;
                    }
                })) {
            before = get(b.push("q", List.of(NewMessage.ofUtf8("kept-1"), NewMessage.ofUtf8("kept-2"))));
            channel.get().tearNextWrite(20);
            assertThatThrownBy(() -> get(b.push("q", List.of(NewMessage.ofUtf8("torn")))))
                    .isInstanceOf(CompletionException.class)
                    .cause().isInstanceOfSatisfying(SpoolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
            assertThatThrownBy(() -> get(b.push("q", List.of(NewMessage.ofUtf8("after")))))
                    .cause().isInstanceOf(SpoolException.class);
        }
        Path seg = Segments.path(dir.resolve("journal"), 1);
        long tornSize = Files.size(seg);
        try (EmbeddedBroker b = open()) {
            assertThat(Files.size(seg)).isLessThan(tornSize);
            List<Delivery> all = get(b.pop("q", PopRequest.of(10)));
            assertThat(all).extracting(Delivery::id).containsExactly(before[0], before[1]);
            assertThat(all).extracting(d -> d.body().payload().asUtf8()).containsExactly("kept-1", "kept-2");
            get(b.push("q", List.of(NewMessage.ofUtf8("later"))));
        }
        try (EmbeddedBroker b = open()) {
            assertThat(get(b.getQueue("q")).stats().ready()).isEqualTo(1);
        }
    }

    @Test
    void shouldDropARecordWhoseBytesWereCorruptedAtTheTail() throws IOException {
        try (EmbeddedBroker b = open()) {
            get(b.push("q", List.of(NewMessage.ofUtf8("first"))));
            get(b.push("q", List.of(NewMessage.ofUtf8("second"))));
        }
        Path seg = Segments.path(dir.resolve("journal"), 1);
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            long last = ch.size() - 6;
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, last);
            one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind();
            ch.write(one, last);
        }
        try (EmbeddedBroker b = open()) {
            List<Delivery> all = get(b.pop("q", PopRequest.of(10)));
            assertThat(all).extracting(d -> d.body().payload().asUtf8()).containsExactly("first");
        }
    }

    @Test
    void shouldRecoverTheSameStateFromASnapshotAndTheJournalTail() throws Exception {
        long[] ids;
        try (EmbeddedBroker b = open()) {
            get(b.putQueue("s", QueueConfig.DEFAULTS.withRetentionMs(3_600_000)));
            ids = get(b.push("s", List.of(NewMessage.builder("a").key("k").build(),
                    NewMessage.builder("b").key("k").build(), NewMessage.ofUtf8("c"))));
            List<Delivery> d = get(b.pop("s", new PopRequest("default", 1, 60_000, 0)));
            get(b.ack("s", AckRequest.of(Receipts.of(d))));
            snapshotNow(b);
            get(b.push("s", List.of(NewMessage.ofUtf8("after-snapshot"))));
        }
        assertThat(countSnapshots(dir.resolve("snapshots"))).isEqualTo(1);
        try (EmbeddedBroker b = open()) {
            assertThat(b.journal().recoveredFromSnapshot()).as("the state came from the snapshot").isTrue();
            assertThat(get(b.getMessage("s", ids[0], MessageQuery.NOW)).state()).isEqualTo(MessageState.ACKED);
            get(b.putGroup("s", "replay", new GroupSpec(StartPosition.EARLIEST)));
            List<Delivery> replay = get(b.pop("s", new PopRequest("replay", 10, 60_000, 0)));
            assertThat(replay).extracting(x -> x.body().payload().asUtf8())
                    .containsExactly("a", "c", "after-snapshot");
            List<Delivery> rest = get(b.pop("s", new PopRequest("default", 10, 60_000, 0)));
            assertThat(rest).extracting(x -> x.body().payload().asUtf8())
                    .containsExactly("b", "c", "after-snapshot");
        }
    }

    @Test
    void shouldKeepQueueAttributesThroughTheJournalAndASnapshot() {
        QueueConfig tagged = QueueConfig.DEFAULTS.withAttributes(java.util.Map.of("team", "billing", "sqs.meta", "{}"));
        try (EmbeddedBroker b = open()) {
            get(b.putQueue("journalled", tagged));
            get(b.putQueue("cleared", tagged));
            get(b.putQueue("cleared", QueueConfig.DEFAULTS));
        }
        try (EmbeddedBroker b = open()) {
            assertThat(get(b.getQueue("journalled")).config()).isEqualTo(tagged);
            assertThat(get(b.getQueue("cleared")).config().attributes()).isEmpty();
            get(b.putQueue("snapshotted", tagged.withAttributes(java.util.Map.of("only", "this"))));
            snapshotNow(b);
        }
        try (EmbeddedBroker b = open()) {
            assertThat(b.journal().recoveredFromSnapshot()).isTrue();
            assertThat(get(b.getQueue("journalled")).config()).isEqualTo(tagged);
            assertThat(get(b.getQueue("snapshotted")).config().attributes()).containsExactly(
                    java.util.Map.entry("only", "this"));
            assertThat(get(b.getQueue("cleared")).config().attributes()).isEmpty();
        }
    }

    /** Takes a snapshot at the current position and waits until its file is written. */
    static void snapshotNow(EmbeddedBroker b) {
        Path snaps = b.config().dataDir().orElseThrow().resolve("snapshots");
        java.util.concurrent.CompletableFuture<Long> pos = new java.util.concurrent.CompletableFuture<>();
        b.onEngine(() -> {
            pos.complete(b.journal().wal().position());
            b.journal().space().takeSnapshot(b.engine().now);
        });
        Path file = snaps.resolve(Journal.snapshotName(pos.orTimeout(10, TimeUnit.SECONDS).join()));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file));
    }

    static long countSnapshots(Path snaps) {
        try (java.util.stream.Stream<Path> s = Files.list(snaps)) {
            return s.filter(p -> p.toString().endsWith(".snap")).count();
        } catch (IOException e) {
            return 0;
        }
    }
}
