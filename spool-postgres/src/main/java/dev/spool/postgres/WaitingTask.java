package dev.spool.postgres;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.spool.api.ErrorCode;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.SpoolException;

/**
 * A task view waiting for a terminal state, registered before its first look so that it counts
 * toward {@code maxWaiters} at once. It looks again when a message of its queue finished
 * (notification), when the message's lease, delay or TTL ends (timer), or on the safety re-check.
 * A message that vanished while watched was either forgotten after an ack (retention 0, no
 * result: reported ACKED) or dropped by its TTL (reported EXPIRED).
 */
final class WaitingTask extends Waiting<ViewOps.Snapshot, MessageView> {
    private volatile ViewOps.Snapshot last;
    private volatile long lastSeenAt;

    WaitingTask(Waiters waiters, String queue, long waitMs, Supplier<CompletableFuture<ViewOps.Snapshot>> attempt) {
        super(waiters, true, queue, waitMs, attempt);
    }

    @Override
    long attempted(ViewOps.Snapshot s, long leftMs) {
        last = s;
        lastSeenAt = System.currentTimeMillis();
        if (s.view().state().isTerminal() || leftMs <= 0) {
            finish(s.view());
            return FINISHED;
        }
        long next = Math.min(leftMs, SAFETY_MS);
        next = Math.min(next, Math.max(0, s.expiresAt() - s.nowMs()) + 1);
        if (s.view().availableAt() > 0) {
            next = Math.min(next, Math.max(0, s.view().availableAt() - s.nowMs()) + 1);
        }
        return next;
    }

    @Override
    void failed(Throwable cause) {
        if (last != null && cause instanceof SpoolException e && e.code() == ErrorCode.MESSAGE_NOT_FOUND) {
            finish(vanished());
        } else {
            fail(cause);
        }
    }

    private MessageView vanished() {
        ViewOps.Snapshot s = last;
        MessageView v = s.view();
        long dbNow = s.nowMs() + (System.currentTimeMillis() - lastSeenAt);
        MessageState state = s.expiresAt() <= dbNow && v.state() != MessageState.IN_FLIGHT
                || s.expiresAt() <= dbNow && v.availableAt() <= dbNow ? MessageState.EXPIRED : MessageState.ACKED;
        return new MessageView(v.id(), v.queue(), v.group(), state, v.attempts(), v.enqueuedAt(), 0, v.lastError(),
                Optional.empty(), Optional.empty());
    }

    @Override
    public void queueDeleted() {
        wake();
    }

    @Override
    public void cancel() {
        ViewOps.Snapshot s = last;
        if (s != null) {
            finish(s.view());
        } else {
            fail(new SpoolException(ErrorCode.UNAVAILABLE, "the broker is closed"));
        }
    }
}
