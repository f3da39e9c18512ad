package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.GroupSpec;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.Receipts;
import dev.spool.api.StartPosition;
import dev.spool.api.TaskResult;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SnapshotCodecTest {
    private static final int N = 1_000;
    private static final int RESULT_BYTES = 1_024;

    private static <T> T get(CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void shouldWriteAResultSharedByManyReceiptsOnceAndShareItAgainWhenLoaded() {
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS)) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));
            List<NewMessage> ms = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                ms.add(NewMessage.of(new byte[] {(byte) i}));
            }
            get(b.push("q", ms));
            List<Delivery> ds = get(b.pop("q", new PopRequest("default", N, 600_000, 0)));
            assertThat(ds).hasSize(N);
            TaskResult result = new TaskResult(Payload.of(new byte[RESULT_BYTES]), "application/octet-stream");
            get(b.ack("q", new AckRequest("default", Receipts.of(ds), Optional.of(result))));

            int[] size = new int[1];
            Set<TaskResult> loaded = Collections.newSetFromMap(new IdentityHashMap<>());
            int[] withResult = new int[1];
            get(b.onEngine(() -> {
                Batch snap = SnapshotCodec.encode(b.engine().sm, 0, b.engine().now);
                size[0] = snap.position();
                ByteBuffer buf = ByteBuffer.wrap(snap.buf.array(), 0, snap.position()).slice()
                        .order(ByteOrder.LITTLE_ENDIAN);
                StateMachine sm = SnapshotCodec.decode(buf).sm();
                sm.queues.get("q").msgs.forEachValue(m -> {
                    if (m.extra != null && m.extra.result != null) {
                        withResult[0]++;
                        loaded.add(m.extra.result);
                    }
                });
            }));

            assertThat(withResult[0]).isEqualTo(N);
            assertThat(loaded).hasSize(1);
            // per message about 90 bytes of state; the 1 KiB result once, not N times (N KiB before)
            assertThat(size[0]).as("snapshot bytes").isLessThan(N * 128 + 4 * RESULT_BYTES);
        }
    }

    @Test
    void shouldKeepPushConfigOfPushGroupsWhenSnapshotIsLoaded() {
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS)) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));
            get(b.putQueue("r", QueueConfig.DEFAULTS));
            get(b.putGroup("q", "hook", new GroupSpec(StartPosition.LATEST, Optional.of("{\"url\":\"x\"}"))));
            get(b.putGroup("q", "plain", new GroupSpec(StartPosition.LATEST)));
            get(b.putGroup("r", "default", new GroupSpec(StartPosition.EARLIEST, Optional.of("{\"url\":\"d\"}"))));

            String[] loaded = new String[4];
            get(b.onEngine(() -> {
                StateMachine sm = SnapshotCodec.decode(wrap(SnapshotCodec.encode(b.engine().sm, 0, b.engine().now)))
                        .sm();
                loaded[0] = sm.queues.get("q").groups.get("hook").push;
                loaded[1] = sm.queues.get("q").groups.get("plain").push;
                loaded[2] = sm.queues.get("q").defaultGroup.push;
                loaded[3] = sm.queues.get("r").defaultGroup.push;
            }));

            assertThat(loaded[0]).isEqualTo("{\"url\":\"x\"}");
            assertThat(loaded[1]).isNull();
            assertThat(loaded[2]).isNull();
            assertThat(loaded[3]).isEqualTo("{\"url\":\"d\"}");
        }
    }

    /**
     * A version 7 snapshot (the build before the default group could be a push group) still
     * loads. It is made from this build's bytes: the field version 8 added is found as the first
     * byte that differs between two snapshots whose only difference is that field, and cut out.
     */
    @Test
    void shouldLoadAVersion7SnapshotWithoutTheDefaultGroupsPushConfiguration() {
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS)) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));
            get(b.putGroup("q", "hook", new GroupSpec(StartPosition.LATEST, Optional.of("{\"url\":\"x\"}"))));
            get(b.push("q", List.of(NewMessage.of(new byte[] {1}), NewMessage.of(new byte[] {2}))));

            long[] readyHook = new long[2];
            String[] push = new String[2];
            get(b.onEngine(() -> {
                StateMachine sm = b.engine().sm;
                byte[] without = bytes(SnapshotCodec.encode(sm, 0, b.engine().now));
                sm.queues.get("q").defaultGroup.push = "y";
                byte[] with = bytes(SnapshotCodec.encode(sm, 0, b.engine().now));
                sm.queues.get("q").defaultGroup.push = null;
                int at = java.util.Arrays.mismatch(without, with);
                assertThat(ByteBuffer.wrap(without, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt())
                        .as("an absent string").isEqualTo(-1);

                byte[] v7 = new byte[without.length - 4];
                System.arraycopy(without, 0, v7, 0, at);
                System.arraycopy(without, at + 4, v7, at, without.length - at - 4);
                ByteBuffer out = ByteBuffer.wrap(v7).order(ByteOrder.LITTLE_ENDIAN);
                out.putInt(8, 7);
                java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                crc.update(v7, 0, v7.length - 4);
                out.putInt(v7.length - 4, (int) crc.getValue());

                StateMachine loaded = SnapshotCodec.decode(ByteBuffer.wrap(v7).order(ByteOrder.LITTLE_ENDIAN)).sm();
                QueueState q = loaded.queues.get("q");
                readyHook[0] = q.defaultGroup.readyCount;
                readyHook[1] = q.groups.get("hook").readyCount;
                push[0] = q.defaultGroup.push;
                push[1] = q.groups.get("hook").push;
            }));

            assertThat(readyHook).containsExactly(2L, 2L);
            assertThat(push).containsExactly(null, "{\"url\":\"x\"}");
        }
    }

    private static ByteBuffer wrap(Batch snap) {
        return ByteBuffer.wrap(snap.buf.array(), 0, snap.position()).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] bytes(Batch snap) {
        return java.util.Arrays.copyOf(snap.buf.array(), snap.position());
    }
}
