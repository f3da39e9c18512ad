package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.spool.api.Broker;
import dev.spool.api.ErrorCode;
import dev.spool.api.LockFence;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateWrite;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;
import dev.spool.api.TxOp;
import dev.spool.api.TxResult;

/**
 * The one-request lock cycle: an acquire op in a transaction whose later lock ops act with the
 * lease it takes ({@link LockFence#TX_ACQUIRED}), all or nothing.
 */
abstract class LockTxContract extends ContractSupport {
    LockTxContract(BrokerContractTest suite) {
        super(suite);
    }

    @BeforeEach
    void requireLocks() {
        assumeLocks();
    }

    private static TxOp.LockAcquire acquireOp(String lock, String owner) {
        return new TxOp.LockAcquire(lock, new LockRequest(owner, LONG_LEASE_MS, 0));
    }

    private static TxOp.LockStatePut writeOp(String lock, String text, OptionalLong ifVersion) {
        return new TxOp.LockStatePut(lock, new LockStateWrite(LockFence.TX_ACQUIRED, Payload.ofUtf8(text),
                "text/plain", ifVersion));
    }

    private static TxOp.LockRelease releaseOp(String lock) {
        return new TxOp.LockRelease(lock, LockFence.TX_ACQUIRED);
    }

    @Test
    void shouldAcquireWriteAndReleaseInOneTransaction() {
        String lock = lockName();
        LockLease before = acquire(lock, "before");
        get(broker().releaseLock(lock, before.fence()));

        TxResult r = get(broker().transact(List.of(acquireOp(lock, "cycle"),
                writeOp(lock, "one request", OptionalLong.empty()), releaseOp(lock))));

        LockLease lease = r.lease(0).orElseThrow();
        assertThat(lease.name()).isEqualTo(lock);
        assertThat(lease.owner()).isEqualTo("cycle");
        assertThat(lease.token()).isGreaterThan(before.token());
        assertThat(r.lease(1)).isEmpty();
        assertThat(r.pushedIds()).hasSize(3);
        assertThat(stateText(lock)).isEqualTo("one request");
        assertThat(get(broker().getLockState(lock)).info().token()).isEqualTo(lease.token());
        assertThat(lockInfo(lock).holder()).isEmpty();
        assertThat(lockInfo(lock).lastToken()).isEqualTo(lease.token());
        failure(ErrorCode.STALE_LEASE, () -> broker().releaseLock(lock, lease.fence()));
        assertThat(acquire(lock, "after").token()).isGreaterThan(lease.token());
    }

    @Test
    void shouldHoldTheLockWhenTheTransactionDoesNotReleaseIt() {
        String lock = lockName();

        TxResult r = get(broker().transact(List.of(acquireOp(lock, "keeper"), writeOp(lock, "v1", OptionalLong.of(0)))));

        LockLease lease = r.lease(0).orElseThrow();
        assertThat(lockInfo(lock).holder().orElseThrow().token()).isEqualTo(lease.token());
        assertThat(lockInfo(lock).holder().orElseThrow().owner()).isEqualTo("keeper");
        assertThat(stateText(lock)).isEqualTo("v1");
        failure(ErrorCode.LOCK_HELD, () -> broker().acquireLock(lock, new LockRequest("other", LONG_LEASE_MS, 0)));
        assertThat(get(broker().keepaliveLock(lock, lease.fence(), LONG_LEASE_MS)).token()).isEqualTo(lease.token());
        putState(lock, lease, "v2");
        get(broker().releaseLock(lock, lease.fence()));
        assertThat(lockInfo(lock).holder()).isEmpty();
        assertThat(stateText(lock)).isEqualTo("v2");
    }

    @Test
    void shouldFailWithLockHeldAndChangeNothingWhenTheLockIsHeld() {
        String out = createQueue();
        String lock = lockName();
        LockLease holder = acquire(lock, "holder");
        putState(lock, holder, "holder's");

        SpoolException e = failure(ErrorCode.LOCK_HELD, () -> broker().transact(List.of(
                new TxOp.Push(out, List.of(NewMessage.ofUtf8("must not appear"))),
                acquireOp(lock, "intruder"), writeOp(lock, "intruder's", OptionalLong.empty()), releaseOp(lock))));

        assertThat(e.opIndex()).hasValue(1);
        assertThat(stats(out).ready()).isZero();
        assertThat(stateText(lock)).isEqualTo("holder's");
        assertThat(lockInfo(lock).holder().orElseThrow().token()).isEqualTo(holder.token());
        assertThat(lockInfo(lock).lastToken()).isEqualTo(holder.token());
    }

    @Test
    void shouldNotJumpTheLineWhenOthersWait() {
        String lock = lockName();
        LockLease holder = acquire(lock, "holder");
        CompletableFuture<LockLease> waiting = acquireWaiting(lock, "waiting", LONG_LEASE_MS);
        awaitWaiters(lock, 1);

        failure(ErrorCode.LOCK_HELD, () -> broker().transact(List.of(acquireOp(lock, "late"))));
        get(broker().releaseLock(lock, holder.fence()));

        LockLease next = get(waiting);
        assertThat(next.owner()).isEqualTo("waiting");
        assertThat(next.token()).isGreaterThan(holder.token());
    }

    @Test
    void shouldChangeNothingWhenAWriteAfterTheAcquireFails() {
        String lock = lockName();
        LockLease first = acquire(lock, "first");
        putState(lock, first, "v1");
        get(broker().releaseLock(lock, first.fence()));

        SpoolException e = failure(ErrorCode.VERSION_MISMATCH, () -> broker().transact(List.of(
                acquireOp(lock, "cas"), writeOp(lock, "v2", OptionalLong.of(7)), releaseOp(lock))));
        assertThat(e.opIndex()).hasValue(1);
        e = failure(ErrorCode.STALE_LEASE, () -> broker().transact(List.of(
                acquireOp(lock, "twice"), releaseOp(lock), writeOp(lock, "after release", OptionalLong.empty()))));
        assertThat(e.opIndex()).hasValue(2);
        e = failure(ErrorCode.STALE_LEASE, () -> broker().transact(List.of(
                acquireOp(lock, "old fence"), new TxOp.LockStatePut(lock, new LockStateWrite(first.fence(),
                        Payload.ofUtf8("stale"), "text/plain", OptionalLong.empty())))));
        assertThat(e.opIndex()).hasValue(1);

        assertThat(lockInfo(lock).holder()).isEmpty();
        assertThat(stateText(lock)).isEqualTo("v1");
        TxResult ok = get(broker().transact(List.of(acquireOp(lock, "cas"), writeOp(lock, "v2", OptionalLong.of(1)),
                releaseOp(lock))));
        assertThat(ok.lease(0).orElseThrow().token()).isGreaterThan(first.token());
        assertThat(stateText(lock)).isEqualTo("v2");
    }

    @Test
    void shouldRejectBadAcquireOpsNamingTheField() {
        String lock = lockName();

        SpoolException e = invalid("lease_id", () -> broker().transact(List.of(
                writeOp(lock, "no acquire before", OptionalLong.empty()))));
        assertThat(e.opIndex()).hasValue(0);
        e = invalid("lease_id", () -> broker().transact(List.of(releaseOp(lock), acquireOp(lock, "too late"))));
        assertThat(e.opIndex()).hasValue(0);
        e = invalid("wait_ms", () -> broker().transact(List.of(
                new TxOp.LockAcquire(lock, new LockRequest("waits", LONG_LEASE_MS, 5)))));
        assertThat(e.opIndex()).hasValue(0);
        e = invalid("lock", () -> broker().transact(List.of(acquireOp(lock, "a"), acquireOp(lock, "b"))));
        assertThat(e.opIndex()).hasValue(1);
        e = invalid("owner", () -> broker().transact(List.of(acquireOp(lock, ""))));
        assertThat(e.opIndex()).hasValue(0);
        e = invalid("ttl_ms", () -> broker().transact(List.of(
                new TxOp.LockAcquire(lock, new LockRequest("o", 0, 0)))));
        assertThat(e.opIndex()).hasValue(0);
        invalid("lock", () -> broker().transact(List.of(acquireOp("bad name", "o"))));
        failure(ErrorCode.LOCK_NOT_FOUND, () -> broker().getLock(lock));
    }

    @Test
    void shouldKeepTheTokenAndStateOfATransactionCycleWhenRestarted() {
        assumeRestart();
        String lock = lockName();
        TxResult r = get(broker().transact(List.of(acquireOp(lock, "cycle"),
                writeOp(lock, "durable", OptionalLong.empty()), releaseOp(lock))));
        String held = lockName();
        LockLease holding = get(broker().transact(List.of(acquireOp(held, "holder")))).lease(0).orElseThrow();

        Broker b = restart();

        assertThat(stateText(lock)).isEqualTo("durable");
        assertThat(get(b.getLock(lock)).holder()).isEmpty();
        assertThat(acquire(lock, "after").token()).isGreaterThan(r.lease(0).orElseThrow().token());
        assertThat(get(b.getLock(held)).holder().orElseThrow().token()).isEqualTo(holding.token());
        get(b.releaseLock(held, holding.fence()));
    }
}
