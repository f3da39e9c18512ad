package dev.spool.embedded;

import java.util.concurrent.CompletableFuture;

import dev.spool.api.MessageBody;
import dev.spool.api.TaskResult;

/** A {@link Wal} that forwards every call; tests override the calls they want to break. */
class ForwardingWal implements Wal {
    private final Wal delegate;

    ForwardingWal(Wal delegate) {
        this.delegate = delegate;
    }

    @Override
    public void queuePut(QueueState q, long now) {
        delegate.queuePut(q, now);
    }

    @Override
    public void queueDelete(QueueState q, long now) {
        delegate.queueDelete(q, now);
    }

    @Override
    public void tokenPut(dev.spool.api.AccessToken t, long now) {
        delegate.tokenPut(t, now);
    }

    @Override
    public void tokenRevoke(String id, long now) {
        delegate.tokenRevoke(id, now);
    }

    @Override
    public void queuePurge(QueueState q, long now) {
        delegate.queuePurge(q, now);
    }

    @Override
    public void groupPut(GroupState g, long now) {
        delegate.groupPut(g, now);
    }

    @Override
    public void groupDelete(GroupState g, long now) {
        delegate.groupDelete(g, now);
    }

    @Override
    public void pushBegin(QueueState q, int targetGid, long now) {
        delegate.pushBegin(q, targetGid, now);
    }

    @Override
    public void pushEntry(Msg m, long readyAt, String dedupId, long dedupUntil) {
        delegate.pushEntry(m, readyAt, dedupId, dedupUntil);
    }

    @Override
    public void pushEnd() {
        delegate.pushEnd();
    }

    @Override
    public void deliver(GroupState g, long leaseUntil, Entry[] entries, int count, long now) {
        delegate.deliver(g, leaseUntil, entries, count, now);
    }

    @Override
    public void ack(GroupState g, long[] ids, int count, TaskResult result, long now) {
        delegate.ack(g, ids, count, result, now);
    }

    @Override
    public void nack(GroupState g, long[] ids, long[] readyAts, int count, String reason, long now) {
        delegate.nack(g, ids, readyAts, count, reason, now);
    }

    @Override
    public void extend(GroupState g, long[] ids, int count, long leaseUntil, long now) {
        delegate.extend(g, ids, count, leaseUntil, now);
    }

    @Override
    public void kill(Entry e, String reason, long now) {
        delegate.kill(e, reason, now);
    }

    @Override
    public void remove(QueueState q, long[] ids, int count, long now) {
        delegate.remove(q, ids, count, now);
    }

    @Override
    public void txBegin(long now) {
        delegate.txBegin(now);
    }

    @Override
    public void txEnd() {
        delegate.txEnd();
    }

    @Override
    public void txAbort() {
        delegate.txAbort();
    }

    @Override
    public <T> void reply(CompletableFuture<T> f, T value) {
        delegate.reply(f, value);
    }

    @Override
    public void fail(CompletableFuture<?> f, Throwable error) {
        delegate.fail(f, error);
    }

    @Override
    public void seal() {
        delegate.seal();
    }

    @Override
    public MessageBody body(Msg m) {
        return delegate.body(m);
    }

    @Override
    public void deleted(Msg m) {
        delegate.deleted(m);
    }

    @Override
    public void housekeeping(long now) {
        delegate.housekeeping(now);
    }

    @Override
    public long nextHousekeeping() {
        return delegate.nextHousekeeping();
    }

    @Override
    public void markCommand() {
        delegate.markCommand();
    }

    @Override
    public boolean abandonCommand(Throwable cause, boolean expected) {
        return delegate.abandonCommand(cause, expected);
    }

    @Override
    public String failureReason() {
        return delegate.failureReason();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
