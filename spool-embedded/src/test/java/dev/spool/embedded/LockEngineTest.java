package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.BrokerSettings;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Payload;

/** Engine-level lock cases the contract cannot reach: cancel races and the snapshot's lock section. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockEngineTest {

    private static <T> T get(CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void shouldReleaseAGrantWhoseAcquireWasCancelledBeforeItsReply() throws Exception {
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS)) {
            CountDownLatch engineBusy = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Void> blocker = b.onEngine(() -> {
                engineBusy.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(engineBusy.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<LockLease> f = b.acquireLock("raced", new LockRequest("gone", 600_000, 0))
                    .toCompletableFuture();

            f.cancel(false);
            release.countDown();
            get(blocker);

            LockInfo info = get(b.getLock("raced"));
            assertThat(info.lastToken()).as("the acquire was granted, then given back").isEqualTo(1);
            assertThat(info.holder()).isEmpty();
            assertThat(get(b.acquireLock("raced", new LockRequest("next", 600_000, 0))).token()).isEqualTo(2);
        }
    }

    @Test
    void shouldKeepLocksThroughASnapshotRoundTrip() {
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS)) {
            LockLease held = get(b.acquireLock("held", new LockRequest("owner", 600_000, 0)));
            get(b.putLockState("held", new LockStateWrite(held.fence(), Payload.ofUtf8("doc"), "text/plain",
                    OptionalLong.empty())));
            LockLease free = get(b.acquireLock("free", new LockRequest("o", 600_000, 0)));
            get(b.releaseLock("free", free.fence()));
            get(b.onEngine(() -> {
                b.engine().sm.locks.get("held").doc.location = JournalPos.of(3, 4096);
                b.engine().sm.locks.get("held").doc.storedBytes = 77;
                Batch snap = SnapshotCodec.encode(b.engine().sm, 0, b.engine().now);
                StateMachine sm = SnapshotCodec.decode(ByteBuffer.wrap(snap.buf.array(), 0, snap.position()).slice()
                        .order(ByteOrder.LITTLE_ENDIAN)).sm();
                LockEntry h = sm.locks.get("held");
                assertThat(h.leaseId).isEqualTo(held.leaseId());
                assertThat(h.token).isEqualTo(held.token());
                assertThat(h.owner).isEqualTo("owner");
                assertThat(h.expiresAt).isEqualTo(held.expiresAt());
                assertThat(h.doc.id).isEqualTo(1);
                assertThat(h.doc.location).isEqualTo(JournalPos.of(3, 4096));
                assertThat(h.doc.storedBytes).isEqualTo(77);
                assertThat(h.docContentType).isEqualTo("text/plain");
                assertThat(h.docSize).isEqualTo(3);
                assertThat(sm.locks.get("free").held()).isFalse();
                assertThat(sm.locks.get("free").lastToken).isEqualTo(free.token());
                assertThat(sm.locks.nextDeadline()).isEqualTo(held.expiresAt());
            }));
        }
    }

    @Test
    void shouldLoadAVersion4SnapshotWithoutLocks() {
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS)) {
            get(b.putQueue("q", dev.spool.api.QueueConfig.DEFAULTS));
            get(b.onEngine(() -> {
                Batch snap = SnapshotCodec.encode(b.engine().sm, 0, b.engine().now);
                // a version 4 snapshot is this one without the lock section (an empty table: int32 0)
                byte[] v4 = new byte[snap.position() - 4];
                System.arraycopy(snap.buf.array(), 0, v4, 0, v4.length - 4);
                ByteBuffer buf = ByteBuffer.wrap(v4).order(ByteOrder.LITTLE_ENDIAN);
                buf.putInt(8, 4);
                java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                crc.update(v4, 0, v4.length - 4);
                buf.putInt(v4.length - 4, (int) crc.getValue());
                StateMachine sm = SnapshotCodec.decode(buf).sm();
                assertThat(sm.queues).containsKey("q");
                assertThat(sm.locks.byName).isEmpty();
            }));
        }
    }
}
