package dev.spool.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.ErrorCode;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

/**
 * The friendly lock handle against a real server: it keeps its lease alive past the ttl, exposes
 * the fencing token and the state document, releases on close, tells when the lease is lost, and
 * a waiting acquire cancelled by the caller leaves the server's line.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockTest {
    @RegisterExtension
    static final TestServer t = TestServer.perClass();


    private static LockInfo info(String name) {
        return SpoolClient.await(t.client.getLock(name));
    }

    @Test
    void shouldKeepLeaseAliveBeyondTtlAndReleaseOnClose() {
        long firstExpiry;
        long token;
        // a ttl of 3 s renewed every second: slow enough for a loaded machine, short enough for a test
        try (Lock l = t.client.lock("keep").owner("me").ttl(Duration.ofSeconds(3)).acquire(Duration.ZERO)) {
            token = l.token();
            firstExpiry = l.expiresAt().toEpochMilli();
            assertThat(token).isPositive();
            assertThat(l.isHeld()).isTrue();
            // the keepalive moved the lease's end, and it is still ours
            Awaitility.await().atMost(20, TimeUnit.SECONDS)
                    .until(() -> info("keep").holder().map(h -> h.expiresAt() > firstExpiry + 600).orElse(false));
            assertThat(info("keep").holder().orElseThrow().token()).isEqualTo(token);
            assertThat(l.isHeld()).isTrue();

            l.putState("progress".getBytes(StandardCharsets.UTF_8), "text/plain");
            assertThat(l.state().orElseThrow().payload().asUtf8()).isEqualTo("progress");
            assertThat(l.state().orElseThrow().info().contentType()).isEqualTo("text/plain");
            l.deleteState();
            assertThat(l.state()).isEmpty();
        }
        assertThat(info("keep").holder()).isEmpty();
        try (Lock again = t.client.lock("keep").acquire(Duration.ZERO)) {
            assertThat(again.token()).isGreaterThan(token);
        }
    }

    @Test
    void shouldStreamStateIntoFileWhenReadIntoPath(@TempDir Path dir) throws Exception {
        byte[] doc = new byte[3 << 20];
        new java.util.Random(13).nextBytes(doc);
        Path source = Files.write(dir.resolve("source"), doc);
        LockLease l = SpoolClient.await(t.client.acquireLock("streamed", new LockRequest("me", 60_000, 0)));
        LockStateInfo written = SpoolClient.await(t.client.putLockState("streamed", new LockStateWrite(l.fence(),
                Payload.ofFile(source, doc.length), "application/octet-stream", OptionalLong.empty())));
        Path target = Files.write(dir.resolve("target"), "older and longer content than nothing".getBytes(
                StandardCharsets.UTF_8));

        LockStateInfo read = SpoolClient.await(t.client.getLockState("streamed", target));

        assertThat(read).isEqualTo(written);
        assertThat(Files.size(target)).isEqualTo(doc.length);
        assertThat(Files.mismatch(source, target)).isEqualTo(-1L);
        assertThatThrownBy(() -> SpoolClient.await(t.client.getLockState("never-written", dir.resolve("none"))))
                .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThatThrownBy(() -> SpoolClient.await(t.client.getLockState("bad name!", target)))
                .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.INVALID_ARGUMENT));
        SpoolClient.await(t.client.releaseLock("streamed", l.fence()));
    }

    @Test
    void shouldRefuseWithLockHeldAndServeWaiterOnClose() throws Exception {
        Lock first = t.client.lock("busy").owner("first").acquire(Duration.ZERO);
        assertThatThrownBy(() -> t.client.lock("busy").owner("second").acquire(Duration.ZERO))
                .isInstanceOfSatisfying(SpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.LOCK_HELD);
                    assertThat(e.getMessage()).contains("first");
                });
        CompletableFuture<Lock> waiter = t.client.lock("busy").owner("waiter").acquireAsync(Duration.ofSeconds(30));
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> info("busy").waiters() == 1);
        first.close();
        try (Lock w = waiter.get(10, TimeUnit.SECONDS)) {
            assertThat(w.token()).isGreaterThan(first.token());
            assertThat(info("busy").holder().orElseThrow().owner()).isEqualTo("waiter");
        }
    }

    @Test
    void shouldReportLostLeaseWhenKeepaliveIsRefused() throws Exception {
        Lock l = t.client.lock("lost").ttl(Duration.ofMillis(300)).acquire(Duration.ZERO);
        // someone with the fence releases it behind the handle's back: the next keepalive is stale
        try {
            SpoolClient.await(t.client.releaseLock("lost", l.fence()));
        } catch (SpoolException e) {
            // under a heavy load the 300 ms lease can end before the release arrives: lost either way
            assertThat(e.code()).isEqualTo(ErrorCode.STALE_LEASE);
        }
        SpoolException why = l.lost().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(why.code()).isEqualTo(ErrorCode.STALE_LEASE);
        assertThat(l.isHeld()).isFalse();
        l.close();
    }

    @Test
    void shouldWithdrawWaiterWhenAcquireIsCancelled() {
        Lock holder = t.client.lock("cancel").acquire(Duration.ZERO);
        CompletableFuture<Lock> waiter = t.client.lock("cancel").owner("w").acquireAsync(Duration.ofSeconds(30));
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> info("cancel").waiters() == 1);
        waiter.cancel(false);
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> info("cancel").waiters() == 0);
        holder.close();
        assertThat(info("cancel").holder()).isEmpty();
    }

    @Test
    void shouldAcquireWriteAndReleaseInOneCallWhenTheLockIsFree() {
        long before;
        try (Lock l = t.client.lock("once").acquire(Duration.ZERO)) {
            before = l.token();
        }

        LockLease cycle = t.client.lock("once").owner("one-call").ttl(Duration.ofSeconds(5))
                .acquireWriteRelease(Payload.ofUtf8("written once"), "text/plain");

        assertThat(cycle.token()).isGreaterThan(before);
        assertThat(cycle.owner()).isEqualTo("one-call");
        assertThat(info("once").holder()).isEmpty();
        var state = SpoolClient.await(t.client.getLockState("once"));
        assertThat(state.payload().asUtf8()).isEqualTo("written once");
        assertThat(state.info().token()).isEqualTo(cycle.token());
        try (Lock holder = t.client.lock("once").acquire(Duration.ZERO)) {
            assertThatThrownBy(() -> t.client.lock("once").acquireWriteRelease(Payload.ofUtf8("refused"), "text/plain"))
                    .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOCK_HELD));
            assertThat(holder.token()).isGreaterThan(cycle.token());
        }
        assertThat(SpoolClient.await(t.client.getLockState("once")).payload().asUtf8()).isEqualTo("written once");
    }
}
