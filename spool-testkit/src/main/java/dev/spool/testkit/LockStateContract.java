package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.LockChecks;
import dev.spool.api.LockFence;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.QueueStats;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.api.TxOp;
import dev.spool.api.TxResult;

/**
 * Lock state documents (public read, fenced write, compare-and-set, versions, delete, large
 * documents), listing by prefix, lock operations inside transactions, and what a restart keeps.
 */
abstract class LockStateContract extends ContractSupport {
    private static final int LARGE_STATE_BYTES = 8 << 20;

    LockStateContract(BrokerContractTest suite) {
        super(suite);
    }

    @BeforeEach
    void requireLocks() {
        assumeLocks();
    }

    private LockStateWrite write(LockLease l, String text, String contentType, OptionalLong ifVersion) {
        return new LockStateWrite(l.fence(), Payload.ofUtf8(text), contentType, ifVersion);
    }

    @Test
    void shouldLetAnyoneReadStateWhenHolderWroteIt() {
        String lock = lockName();
        LockLease l = acquire(lock, "writer");
        long before = System.currentTimeMillis();

        LockStateInfo written = get(broker().putLockState(lock, write(l, "{\"n\":1}", "application/json",
                OptionalLong.empty())));

        assertThat(written.version()).isEqualTo(1);
        assertThat(written.contentType()).isEqualTo("application/json");
        assertThat(written.size()).isEqualTo(7);
        assertThat(written.token()).isEqualTo(l.token());
        assertThat(written.updatedAt()).isBetween(before - 1_000, System.currentTimeMillis() + 1_000);
        LockState read = get(broker().getLockState(lock));
        assertThat(read.info()).isEqualTo(written);
        assertThat(read.payload().asUtf8()).isEqualTo("{\"n\":1}");
        assertThat(lockInfo(lock).state()).contains(written);
    }

    @Test
    void shouldIncrementVersionAndKeepContentTypeWhenWrittenAgain() {
        String lock = lockName();
        LockLease l = acquire(lock, "writer");
        get(broker().putLockState(lock, write(l, "one", "text/plain", OptionalLong.empty())));

        LockStateInfo second = get(broker().putLockState(lock, write(l, "<two/>", "application/xml",
                OptionalLong.empty())));

        assertThat(second.version()).isEqualTo(2);
        assertThat(get(broker().getLockState(lock)).info().contentType()).isEqualTo("application/xml");
        assertThat(stateText(lock)).isEqualTo("<two/>");
    }

    @Test
    void shouldWriteOnlyWhenIfVersionMatches() {
        String lock = lockName();
        LockLease l = acquire(lock, "writer");
        failure(ErrorCode.VERSION_MISMATCH, () -> broker().putLockState(lock, write(l, "x", "text/plain",
                OptionalLong.of(1))));
        assertThat(get(broker().putLockState(lock, write(l, "first", "text/plain", OptionalLong.of(0)))).version())
                .isEqualTo(1);

        SpoolException e = failure(ErrorCode.VERSION_MISMATCH, () -> broker().putLockState(lock,
                write(l, "lost", "text/plain", OptionalLong.of(0))));

        assertThat(e.getMessage()).contains("1");
        assertThat(stateText(lock)).isEqualTo("first");
        assertThat(get(broker().putLockState(lock, write(l, "second", "text/plain", OptionalLong.of(1)))).version())
                .isEqualTo(2);
        assertThat(stateText(lock)).isEqualTo("second");
    }

    @Test
    void shouldRefuseStateWriteWithStaleFenceAndChangeNothing() {
        String lock = lockName();
        LockLease l = acquire(lock, "writer");
        putState(lock, l, "kept");

        failure(ErrorCode.STALE_LEASE, () -> broker().putLockState(lock, new LockStateWrite(
                new LockFence(l.leaseId(), l.token() + 1), Payload.ofUtf8("forged"), "text/plain", OptionalLong.empty())));
        failure(ErrorCode.STALE_LEASE, () -> broker().putLockState(lock, new LockStateWrite(
                new LockFence("other", l.token()), Payload.ofUtf8("forged"), "text/plain", OptionalLong.empty())));
        failure(ErrorCode.STALE_LEASE, () -> broker().deleteLockState(lock, new LockFence("other", l.token()),
                OptionalLong.empty()));

        assertThat(stateText(lock)).isEqualTo("kept");
        assertThat(get(broker().getLockState(lock)).info().version()).isEqualTo(1);
    }

    @Test
    void shouldDeleteStateWhenHolderDeletesIt() {
        String lock = lockName();
        LockLease l = acquire(lock, "writer");
        putState(lock, l, "one");
        long v2 = putState(lock, l, "two").version();
        failure(ErrorCode.VERSION_MISMATCH, () -> broker().deleteLockState(lock, l.fence(), OptionalLong.of(1)));

        get(broker().deleteLockState(lock, l.fence(), OptionalLong.of(v2)));

        failure(ErrorCode.NOT_FOUND, () -> broker().getLockState(lock));
        assertThat(lockInfo(lock).state()).isEmpty();
        assertThat(lockInfo(lock).holder()).isPresent();
        failure(ErrorCode.NOT_FOUND, () -> broker().deleteLockState(lock, l.fence(), OptionalLong.empty()));
        LockStateInfo again = get(broker().putLockState(lock, write(l, "three", "text/plain", OptionalLong.of(0))));
        assertThat(again.version()).as("versions never repeat, so a compare-and-set cannot mistake a new document")
                .isGreaterThan(v2);
    }

    @Test
    void shouldSeeEveryAcknowledgedWriteWhenReadRightAfterIt() {
        String lock = lockName();
        LockLease l = acquire(lock, "writer");
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 1; i <= 50; i++) {
            String text = "v" + i;
            // the read is sent from the write's completion, on whatever thread acknowledged it
            chain = chain.thenCompose(x -> broker().putLockState(lock, write(l, text, "text/plain",
                    OptionalLong.empty())).toCompletableFuture()).thenCompose(info -> broker().getLockState(lock)
                    .thenAccept(read -> seen.add(info.version() + "=" + text + " read " + read.info().version()
                            + "=" + read.payload().asUtf8())).toCompletableFuture());
        }
        get(chain);
        for (int i = 1; i <= 50; i++) {
            assertThat(seen.get(i - 1)).isEqualTo(i + "=v" + i + " read " + i + "=v" + i);
        }
        long last = get(broker().getLockState(lock)).info().version();

        get(broker().deleteLockState(lock, l.fence(), OptionalLong.empty()));
        failure(ErrorCode.NOT_FOUND, () -> broker().getLockState(lock));
        get(broker().transact(List.of(new TxOp.LockStatePut(lock, write(l, "in a tx", "text/plain",
                OptionalLong.empty())))));

        LockState afterTx = get(broker().getLockState(lock));
        assertThat(afterTx.info().version()).isGreaterThan(last);
        assertThat(afterTx.payload().asUtf8()).isEqualTo("in a tx");
    }

    @Test
    void shouldKeepStateWhenReleasedAndAcquiredAgain() {
        String lock = lockName();
        LockLease first = acquire(lock, "first");
        LockStateInfo written = putState(lock, first, "survives");
        get(broker().releaseLock(lock, first.fence()));

        assertThat(stateText(lock)).isEqualTo("survives");
        assertThat(lockInfo(lock).state()).contains(written);
        LockLease second = acquire(lock, "second");
        assertThat(stateText(lock)).isEqualTo("survives");
        assertThat(putState(lock, second, "next").token()).isEqualTo(second.token());
    }

    @Test
    void shouldStoreLargeStateWhole() throws IOException {
        String lock = lockName();
        LockLease l = acquire(lock, "big");
        Path file = Files.createTempFile("spool-lock-state", ".bin");
        try {
            byte[] chunk = new byte[1 << 20];
            new Random(42).nextBytes(chunk);
            MessageDigest sent = sha256();
            try (var out = Files.newOutputStream(file)) {
                for (int i = 0; i < LARGE_STATE_BYTES / chunk.length; i++) {
                    chunk[0] = (byte) i;
                    out.write(chunk);
                    sent.update(chunk);
                }
            }

            LockStateInfo info = get(broker().putLockState(lock, new LockStateWrite(l.fence(),
                    Payload.ofFile(file, LARGE_STATE_BYTES), "application/octet-stream", OptionalLong.empty())));

            assertThat(info.size()).isEqualTo(LARGE_STATE_BYTES);
            LockState read = get(broker().getLockState(lock));
            assertThat(read.payload().size()).isEqualTo(LARGE_STATE_BYTES);
            assertThat(digest(read.payload())).isEqualTo(sent.digest());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void shouldRejectStateLargerThanMaximumAndChangeNothing() throws IOException {
        String lock = lockName();
        LockLease l = acquire(lock, "big");
        putState(lock, l, "small");
        Path file = Files.createTempFile("spool-lock-state", ".bin");
        try {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.setLength(LockChecks.MAX_STATE_BYTES + 1);
            }
            failure(ErrorCode.PAYLOAD_TOO_LARGE, () -> broker().putLockState(lock, new LockStateWrite(l.fence(),
                    Payload.ofFile(file, LockChecks.MAX_STATE_BYTES + 1), "text/plain", OptionalLong.empty())));
        } finally {
            Files.deleteIfExists(file);
        }
        assertThat(stateText(lock)).isEqualTo("small");
    }

    @Test
    void shouldRejectBadStateWritesNamingTheField() {
        String lock = lockName();
        LockLease l = acquire(lock, "writer");

        invalid("content_type", () -> broker().putLockState(lock, write(l, "x", "", OptionalLong.empty())));
        invalid("content_type", () -> broker().putLockState(lock, write(l, "x", "t".repeat(257),
                OptionalLong.empty())));
        invalid("if_version", () -> broker().putLockState(lock, write(l, "x", "text/plain", OptionalLong.of(-1))));
        invalid("if_version", () -> broker().deleteLockState(lock, l.fence(), OptionalLong.of(-1)));
        invalid("lock", () -> broker().putLockState("bad name", write(l, "x", "text/plain", OptionalLong.empty())));

        assertThat(lockInfo(lock).state()).isEmpty();
    }

    @Test
    void shouldListLocksByPrefixInNameOrderWithPaging() {
        String prefix = lockName() + ".";
        List<String> names = new ArrayList<>();
        for (String s : new String[] {"e", "a", "d", "b", "c"}) {
            names.add(prefix + s);
            acquire(prefix + s, "owner-" + s);
        }
        acquire(prefix.substring(0, prefix.length() - 1) + "-other", "other");
        List<String> sorted = names.stream().sorted().toList();

        List<LockInfo> page1 = get(broker().listLocks(prefix, "", 2));
        List<LockInfo> page2 = get(broker().listLocks(prefix, page1.get(1).name(), 2));
        List<LockInfo> page3 = get(broker().listLocks(prefix, page2.get(1).name(), 2));

        assertThat(page1).extracting(LockInfo::name).containsExactlyElementsOf(sorted.subList(0, 2));
        assertThat(page2).extracting(LockInfo::name).containsExactlyElementsOf(sorted.subList(2, 4));
        assertThat(page3).extracting(LockInfo::name).containsExactlyElementsOf(sorted.subList(4, 5));
        assertThat(page1.get(0).holder().orElseThrow().owner()).isEqualTo("owner-a");
        assertThat(get(broker().listLocks(prefix, sorted.get(4), 2))).isEmpty();
    }

    @Test
    void shouldRejectBadListArgumentsNamingTheField() {
        invalid("limit", () -> broker().listLocks("", "", 0));
        invalid("limit", () -> broker().listLocks("", "", LockChecks.MAX_LIST + 1));
        invalid("prefix", () -> broker().listLocks("no space", "", 10));
        invalid("after", () -> broker().listLocks("", "no space", 10));
    }

    // ---- transactions ----

    @Test
    void shouldApplyStateWritePushAckAndReleaseAtomically() {
        String in = createQueue();
        String out = createQueue();
        push(in, "job");
        Delivery d = popOne(in);
        String lock = lockName();
        LockLease l = acquire(lock, "worker");
        CompletableFuture<LockLease> next = acquireWaiting(lock, "next", LONG_LEASE_MS);
        awaitWaiters(lock, 1);

        TxResult r = get(broker().transact(List.of(
                new TxOp.Ack(in, AckRequest.of(Receipts.of(List.of(d)))),
                new TxOp.LockStatePut(lock, write(l, "done", "text/plain", OptionalLong.of(0))),
                new TxOp.Push(out, List.of(NewMessage.ofUtf8("result"))),
                new TxOp.LockRelease(lock, l.fence()))));

        assertThat(r.pushedIds()).hasSize(4);
        assertThat(r.pushedIds().get(1)).isEmpty();
        assertThat(r.pushedIds().get(2)).hasSize(1);
        assertThat(stats(in)).isEqualTo(QueueStats.EMPTY);
        assertThat(text(popOne(out))).isEqualTo("result");
        assertThat(stateText(lock)).isEqualTo("done");
        assertThat(get(broker().getLockState(lock)).info().token()).isEqualTo(l.token());
        LockLease handed = get(next);
        assertThat(handed.token()).isGreaterThan(l.token());
        failure(ErrorCode.STALE_LEASE, () -> broker().releaseLock(lock, l.fence()));
    }

    @Test
    void shouldChangeNothingWhenATransactionsFenceIsStale() {
        String out = createQueue();
        String lock = lockName();
        LockLease old = acquire(lock, "old");
        get(broker().releaseLock(lock, old.fence()));
        LockLease current = acquire(lock, "current");
        putState(lock, current, "current");

        SpoolException e = failure(ErrorCode.STALE_LEASE, () -> broker().transact(List.of(
                new TxOp.Push(out, List.of(NewMessage.ofUtf8("must not appear"))),
                new TxOp.LockStatePut(lock, write(old, "stale", "text/plain", OptionalLong.empty())))));

        assertThat(e.opIndex()).hasValue(1);
        assertThat(stats(out).ready()).isZero();
        assertThat(stateText(lock)).isEqualTo("current");
        e = failure(ErrorCode.STALE_LEASE, () -> broker().transact(List.of(
                new TxOp.LockStatePut(lock, write(current, "new", "text/plain", OptionalLong.empty())),
                new TxOp.LockRelease(lock, old.fence()))));
        assertThat(e.opIndex()).hasValue(1);
        assertThat(stateText(lock)).isEqualTo("current");
        assertThat(lockInfo(lock).holder().orElseThrow().token()).isEqualTo(current.token());
    }

    @Test
    void shouldChangeNothingWhenATransactionsVersionMismatches() {
        String out = createQueue();
        String lock = lockName();
        LockLease l = acquire(lock, "holder");
        putState(lock, l, "v1");

        SpoolException e = failure(ErrorCode.VERSION_MISMATCH, () -> broker().transact(List.of(
                new TxOp.Push(out, List.of(NewMessage.ofUtf8("must not appear"))),
                new TxOp.LockStatePut(lock, write(l, "v2", "text/plain", OptionalLong.of(7))),
                new TxOp.LockRelease(lock, l.fence()))));

        assertThat(e.opIndex()).hasValue(1);
        assertThat(stats(out).ready()).isZero();
        assertThat(stateText(lock)).isEqualTo("v1");
        assertThat(lockInfo(lock).holder().orElseThrow().token()).isEqualTo(l.token());
    }

    @Test
    void shouldRejectBadLockOpsInTransactionsNamingTheOp() {
        String lock = lockName();
        LockLease l = acquire(lock, "holder");

        SpoolException e = invalid("lock", () -> broker().transact(List.of(
                new TxOp.LockRelease("bad name", l.fence()))));
        assertThat(e.opIndex()).hasValue(0);
        e = invalid("token", () -> broker().transact(List.of(
                new TxOp.LockStatePut(lock, write(l, "x", "text/plain", OptionalLong.empty())),
                new TxOp.LockRelease(lock, new LockFence(l.leaseId(), 0)))));
        assertThat(e.opIndex()).hasValue(1);
        assertThat(lockInfo(lock).state()).isEmpty();
    }

    // ---- restart ----

    @Test
    void shouldKeepHolderTokenAndStateWhenRestarted() {
        assumeRestart();
        String lock = lockName();
        LockLease l = acquire(lock, "holder");
        LockStateInfo written = putState(lock, l, "durable");

        Broker b = restart();

        LockInfo info = get(b.getLock(lock));
        assertThat(info.holder().orElseThrow().owner()).isEqualTo("holder");
        assertThat(info.holder().orElseThrow().token()).isEqualTo(l.token());
        assertThat(info.holder().orElseThrow().expiresAt()).isEqualTo(l.expiresAt());
        assertThat(info.state()).contains(written);
        assertThat(stateText(lock)).isEqualTo("durable");
        assertThat(get(b.keepaliveLock(lock, l.fence(), LONG_LEASE_MS)).token()).isEqualTo(l.token());
        putState(lock, l, "after restart");
        get(b.releaseLock(lock, l.fence()));
        assertThat(acquire(lock, "next").token()).isGreaterThan(l.token());
    }

    @Test
    void shouldNeverReissueATokenWhenRestarted() {
        assumeRestart();
        String released = lockName();
        String expired = lockName();
        long maxReleased = 0;
        for (int i = 0; i < 3; i++) {
            LockLease l = acquire(released, "r" + i);
            get(broker().releaseLock(released, l.fence()));
            maxReleased = l.token();
        }
        LockLease first = get(broker().acquireLock(expired, new dev.spool.api.LockRequest("e", u(1), 0)));
        eventually().until(() -> lockInfo(expired).holder().isEmpty());
        LockLease second = acquire(expired, "e2");
        get(broker().releaseLock(expired, second.fence()));
        assertThat(second.token()).isGreaterThan(first.token());

        Broker b = restart();

        assertThat(acquire(released, "after").token()).isGreaterThan(maxReleased);
        assertThat(acquire(expired, "after").token()).isGreaterThan(second.token());
        assertThat(get(b.getLock(expired)).lastToken()).isGreaterThan(second.token());
    }

    // ---- helpers ----

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] digest(Payload p) {
        MessageDigest md = sha256();
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = p.openStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return md.digest();
    }
}
