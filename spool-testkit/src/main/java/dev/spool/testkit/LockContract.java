package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.spool.api.Broker;
import dev.spool.api.BrokerLimits;
import dev.spool.api.ErrorCode;
import dev.spool.api.LockChecks;
import dev.spool.api.LockFence;
import dev.spool.api.LockHolder;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

/**
 * Locks: strictly increasing fencing tokens, at most one holder, first-come first-served waiting
 * woken by release and by expiry, cancelled waiters, stale fences refused without effect, and the
 * input checks of every lock operation.
 */
abstract class LockContract extends ContractSupport {

    LockContract(BrokerContractTest suite) {
        super(suite);
    }

    @BeforeEach
    void requireLocks() {
        assumeLocks();
    }

    private LockLease acquireWithTtl(String lock, String owner, long ttlMs) {
        return get(broker().acquireLock(lock, new LockRequest(owner, ttlMs, 0)));
    }

    @Test
    void shouldIssueStrictlyIncreasingTokensWhenAcquiredAgain() {
        String lock = lockName();
        long last = 0;
        for (int i = 0; i < 4; i++) {
            LockLease l = acquire(lock, "owner-" + i);
            assertThat(l.token()).isGreaterThan(last);
            assertThat(l.name()).isEqualTo(lock);
            assertThat(l.owner()).isEqualTo("owner-" + i);
            assertThat(l.leaseId()).isNotBlank();
            last = l.token();
            get(broker().releaseLock(lock, l.fence()));
        }
        assertThat(lockInfo(lock).lastToken()).isEqualTo(last);
        assertThat(lockInfo(lock).holder()).isEmpty();
    }

    @Test
    void shouldShowHolderWhenHeld() {
        String lock = lockName();
        long before = System.currentTimeMillis();
        LockLease l = acquire(lock, "alice");

        LockInfo info = lockInfo(lock);

        assertThat(info.name()).isEqualTo(lock);
        assertThat(info.holder()).isPresent();
        LockHolder h = info.holder().orElseThrow();
        assertThat(h.owner()).isEqualTo("alice");
        assertThat(h.token()).isEqualTo(l.token());
        assertThat(h.expiresAt()).isEqualTo(l.expiresAt());
        assertThat(h.acquiredAt()).isBetween(before - 1_000, System.currentTimeMillis() + 1_000);
        assertThat(l.expiresAt()).isGreaterThanOrEqualTo(before + LONG_LEASE_MS - 1_000);
        assertThat(info.lastToken()).isEqualTo(l.token());
        assertThat(info.waiters()).isZero();
    }

    @Test
    void shouldRefuseAtOnceNamingHolderAndExpiryWhenHeldAndWaitIsZero() {
        String lock = lockName();
        LockLease l = acquire(lock, "alice");

        SpoolException e = failure(ErrorCode.LOCK_HELD,
                () -> broker().acquireLock(lock, new LockRequest("bob", LONG_LEASE_MS, 0)));

        assertThat(e.getMessage()).contains("alice").contains(Long.toString(l.expiresAt()));
        assertThat(lockInfo(lock).holder().orElseThrow().token()).isEqualTo(l.token());
    }

    @Test
    void shouldGrantToExactlyOneWhenManyAcquireAtOnce() {
        String lock = lockName();
        List<CompletableFuture<LockLease>> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(broker().acquireLock(lock, new LockRequest("c" + i, LONG_LEASE_MS, 0)).toCompletableFuture());
        }
        int granted = 0;
        for (CompletableFuture<LockLease> f : all) {
            try {
                get(f);
                granted++;
            } catch (SpoolException e) {
                assertThat(e.code()).isEqualTo(ErrorCode.LOCK_HELD);
            }
        }
        assertThat(granted).isEqualTo(1);
    }

    @Test
    void shouldHandOffToWaitersInArrivalOrderWhenReleased() {
        String lock = lockName();
        LockLease holder = acquire(lock, "holder");
        List<CompletableFuture<LockLease>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(acquireWaiting(lock, "w" + i, LONG_LEASE_MS));
            awaitWaiters(lock, i + 1);
        }

        LockFence current = holder.fence();
        long lastToken = holder.token();
        for (int i = 0; i < 3; i++) {
            assertThat(waiters.get(i)).isNotDone();
            get(broker().releaseLock(lock, current));
            LockLease next = get(waiters.get(i));
            assertThat(next.owner()).isEqualTo("w" + i);
            assertThat(next.token()).isGreaterThan(lastToken);
            for (int j = i + 1; j < 3; j++) {
                assertThat(waiters.get(j)).as("waiter %d after hand-off to %d", j, i).isNotDone();
            }
            assertThat(lockInfo(lock).waiters()).isEqualTo(2 - i);
            current = next.fence();
            lastToken = next.token();
        }
    }

    @Test
    void shouldHandOffToFirstWaiterWhenHoldersLeaseExpires() {
        String lock = lockName();
        LockLease holder = acquireWithTtl(lock, "short", u(3));
        CompletableFuture<LockLease> first = acquireWaiting(lock, "first", LONG_LEASE_MS);
        awaitWaiters(lock, 1);
        CompletableFuture<LockLease> second = acquireWaiting(lock, "second", LONG_LEASE_MS);
        // the short lease may run out before the second waiter is in line (a slow machine): the
        // first then holds the lock and the second is its only waiter
        eventually().until(() -> lockInfo(lock).waiters() == (first.isDone() ? 1 : 2));

        LockLease next = get(first);

        assertThat(next.owner()).isEqualTo("first");
        assertThat(next.token()).isGreaterThan(holder.token());
        assertThat(second).isNotDone();
        failure(ErrorCode.STALE_LEASE, () -> broker().releaseLock(lock, holder.fence()));
        get(broker().releaseLock(lock, next.fence()));
        assertThat(get(second).owner()).isEqualTo("second");
    }

    @Test
    void shouldCountWaitersLeaseFromGrantWhenHandedOff() {
        String lock = lockName();
        LockLease holder = acquire(lock, "holder");
        CompletableFuture<LockLease> waiter = acquireWaiting(lock, "waiter", u(50));
        awaitWaiters(lock, 1);
        long released = System.currentTimeMillis();

        get(broker().releaseLock(lock, holder.fence()));

        assertThat(get(waiter).expiresAt()).isGreaterThanOrEqualTo(released + u(50) - 50);
    }

    @Test
    void shouldServeNextWaiterWhenAWaiterIsCancelled() {
        String lock = lockName();
        LockLease holder = acquire(lock, "holder");
        CompletableFuture<LockLease> gone = acquireWaiting(lock, "gone", LONG_LEASE_MS);
        awaitWaiters(lock, 1);
        CompletableFuture<LockLease> next = acquireWaiting(lock, "next", LONG_LEASE_MS);
        awaitWaiters(lock, 2);

        gone.cancel(false);
        awaitWaiters(lock, 1);
        get(broker().releaseLock(lock, holder.fence()));

        assertThat(get(next).owner()).isEqualTo("next");
        assertThat(lockInfo(lock).holder().orElseThrow().owner()).isEqualTo("next");
    }

    @Test
    void shouldFailWaiterWithLockHeldWhenItsWaitEnds() {
        String lock = lockName();
        acquire(lock, "holder");
        long start = System.nanoTime();

        failure(ErrorCode.LOCK_HELD, () -> broker().acquireLock(lock, new LockRequest("late", LONG_LEASE_MS, u(2))));

        assertThat(elapsedMs(start)).isGreaterThanOrEqualTo(u(2) - 20);
        assertThat(lockInfo(lock).waiters()).isZero();
    }

    @Test
    void shouldFreeLockWhenLeaseExpires() {
        String lock = lockName();
        LockLease l = acquireWithTtl(lock, "short", u(2));

        eventually().until(() -> lockInfo(lock).holder().isEmpty());

        failure(ErrorCode.STALE_LEASE, () -> broker().keepaliveLock(lock, l.fence(), LONG_LEASE_MS));
        LockLease next = acquire(lock, "next");
        assertThat(next.token()).isGreaterThan(l.token());
        assertThat(lockInfo(lock).lastToken()).isEqualTo(next.token());
    }

    @Test
    void shouldExtendLeaseWhenKeptAlive() {
        String lock = lockName();
        LockLease l = acquireWithTtl(lock, "alive", u(3));

        LockLease kept = get(broker().keepaliveLock(lock, l.fence(), LONG_LEASE_MS));

        assertThat(kept.token()).isEqualTo(l.token());
        assertThat(kept.leaseId()).isEqualTo(l.leaseId());
        assertThat(kept.expiresAt()).isGreaterThan(l.expiresAt());
        assertThat(lockInfo(lock).holder().orElseThrow().expiresAt()).isEqualTo(kept.expiresAt());
        long pastFirstExpiry = l.expiresAt() + u(2);
        eventually().until(() -> System.currentTimeMillis() > pastFirstExpiry);
        assertThat(lockInfo(lock).holder().orElseThrow().token()).isEqualTo(l.token());
        get(broker().releaseLock(lock, l.fence()));
    }

    @Test
    void shouldRefuseKeepaliveWithStaleFenceAndChangeNothing() {
        String lock = lockName();
        LockLease l = acquire(lock, "alice");

        failure(ErrorCode.STALE_LEASE, () -> broker().keepaliveLock(lock, new LockFence("not-" + l.leaseId(),
                l.token()), u(1)));
        failure(ErrorCode.STALE_LEASE, () -> broker().keepaliveLock(lock, new LockFence(l.leaseId(),
                l.token() + 1), u(1)));

        assertThat(lockInfo(lock).holder().orElseThrow().expiresAt()).isEqualTo(l.expiresAt());
    }

    @Test
    void shouldRefuseReleaseWithStaleFenceAndChangeNothing() {
        String lock = lockName();
        LockLease l = acquire(lock, "alice");

        failure(ErrorCode.STALE_LEASE, () -> broker().releaseLock(lock, new LockFence("not-" + l.leaseId(),
                l.token())));
        failure(ErrorCode.STALE_LEASE, () -> broker().releaseLock(lock, new LockFence(l.leaseId(),
                l.token() - 1 > 0 ? l.token() - 1 : l.token() + 1)));

        assertThat(lockInfo(lock).holder().orElseThrow().token()).isEqualTo(l.token());
        get(broker().releaseLock(lock, l.fence()));
        assertThat(lockInfo(lock).holder()).isEmpty();
    }

    @Test
    void shouldRefuseOldHoldersFenceWhenLockWasAcquiredAgain() {
        String lock = lockName();
        LockLease old = acquire(lock, "old");
        get(broker().releaseLock(lock, old.fence()));
        LockLease current = acquire(lock, "current");

        failure(ErrorCode.STALE_LEASE, () -> broker().releaseLock(lock, old.fence()));
        failure(ErrorCode.STALE_LEASE, () -> broker().keepaliveLock(lock, old.fence(), u(1)));
        failure(ErrorCode.STALE_LEASE, () -> broker().putLockState(lock, new LockStateWrite(old.fence(),
                Payload.ofUtf8("old"), "text/plain", OptionalLong.empty())));

        assertThat(lockInfo(lock).holder().orElseThrow().token()).isEqualTo(current.token());
        assertThat(lockInfo(lock).state()).isEmpty();
    }

    @Test
    void shouldRefuseFenceOfUnknownLockWithStaleLease() {
        String lock = lockName();

        failure(ErrorCode.STALE_LEASE, () -> broker().releaseLock(lock, new LockFence("nobody", 1)));
        failure(ErrorCode.STALE_LEASE, () -> broker().keepaliveLock(lock, new LockFence("nobody", 1), u(1)));
    }

    @Test
    void shouldFailGetLockWithLockNotFoundWhenNeverUsed() {
        failure(ErrorCode.LOCK_NOT_FOUND, () -> broker().getLock(lockName()));
        failure(ErrorCode.NOT_FOUND, () -> broker().getLockState(lockName()));
    }

    @Test
    void shouldRejectBadLockNamesNamingLock() {
        String tooLong = "l".repeat(129);
        for (String bad : new String[] {null, "", tooLong, "has space", "slash/no", ".", ".."}) {
            invalid("lock", () -> broker().acquireLock(bad, new LockRequest("o", u(10), 0)));
            invalid("lock", () -> broker().releaseLock(bad, new LockFence("x", 1)));
            invalid("lock", () -> broker().keepaliveLock(bad, new LockFence("x", 1), u(10)));
            invalid("lock", () -> broker().getLock(bad));
            invalid("lock", () -> broker().getLockState(bad));
            invalid("lock", () -> broker().deleteLockState(bad, new LockFence("x", 1), OptionalLong.empty()));
        }
        String longest = lockName();
        longest = longest + "x".repeat(128 - longest.length());
        assertThat(get(broker().acquireLock(longest, new LockRequest("o", u(10), 0))).name()).isEqualTo(longest);
    }

    @Test
    void shouldRejectBadOwnerTtlAndWaitNamingTheField() {
        String lock = lockName();
        BrokerLimits limits = settings().limits();

        invalid("owner", () -> broker().acquireLock(lock, new LockRequest("", u(10), 0)));
        invalid("owner", () -> broker().acquireLock(lock, new LockRequest("o".repeat(257), u(10), 0)));
        invalid("owner", () -> broker().acquireLock(lock, new LockRequest("bad\nowner", u(10), 0)));
        invalid("ttl_ms", () -> broker().acquireLock(lock, new LockRequest("o", 0, 0)));
        invalid("ttl_ms", () -> broker().acquireLock(lock, new LockRequest("o", LockChecks.MAX_TTL_MS + 1, 0)));
        invalid("wait_ms", () -> broker().acquireLock(lock, new LockRequest("o", u(10), limits.maxWaitMs() + 1)));
        assertThatThrownBy(() -> new LockRequest("o", u(10), -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LockRequest("o", -1, 0)).isInstanceOf(IllegalArgumentException.class);

        failure(ErrorCode.LOCK_NOT_FOUND, () -> broker().getLock(lock));
        LockLease l = get(broker().acquireLock(lock, new LockRequest("o".repeat(256), LockChecks.MAX_TTL_MS, 0)));
        invalid("ttl_ms", () -> broker().keepaliveLock(lock, l.fence(), 0));
        invalid("ttl_ms", () -> broker().keepaliveLock(lock, l.fence(), LockChecks.MAX_TTL_MS + 1));
        assertThat(lockInfo(lock).holder().orElseThrow().expiresAt()).isEqualTo(l.expiresAt());
    }

    @Test
    void shouldRejectMalformedFencesNamingTheField() {
        String lock = lockName();
        LockLease l = acquire(lock, "alice");

        invalid("lease_id", () -> broker().releaseLock(lock, new LockFence("", l.token())));
        invalid("lease_id", () -> broker().releaseLock(lock, new LockFence("x".repeat(129), l.token())));
        invalid("token", () -> broker().releaseLock(lock, new LockFence(l.leaseId(), 0)));
        invalid("token", () -> broker().keepaliveLock(lock, new LockFence(l.leaseId(), -5), u(10)));
        invalid("token", () -> broker().putLockState(lock, new LockStateWrite(new LockFence(l.leaseId(), -1),
                Payload.ofUtf8("x"), "text/plain", OptionalLong.empty())));
        assertThatThrownBy(() -> new LockFence(null, 1)).isInstanceOf(IllegalArgumentException.class);

        assertThat(lockInfo(lock).holder().orElseThrow().token()).isEqualTo(l.token());
    }

    @Test
    void shouldFailLockWaitersBeyondMaxWaitersWithTooManyRequests() {
        BrokerLimits l = settings().limits();
        Broker b = open(settings().withLimits(new BrokerLimits(l.maxQueues(), l.maxGroupsPerQueue(), l.maxBatch(),
                l.maxPop(), l.maxWaitMs(), 1, l.maxTxOps(), l.maxBrowse())));
        String lock = lockName();
        LockLease holder = get(b.acquireLock(lock, new LockRequest("holder", LONG_LEASE_MS, 0)));
        CompletableFuture<LockLease> first = b.acquireLock(lock, new LockRequest("first", LONG_LEASE_MS, u(100)))
                .toCompletableFuture();
        eventually().until(() -> get(b.getLock(lock)).waiters() == 1);

        failure(ErrorCode.TOO_MANY_REQUESTS, () -> b.acquireLock(lock, new LockRequest("second", LONG_LEASE_MS,
                u(100))));

        get(b.releaseLock(lock, holder.fence()));
        assertThat(get(first).owner()).isEqualTo("first");
    }
}
