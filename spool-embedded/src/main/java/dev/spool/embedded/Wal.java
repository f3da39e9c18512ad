package dev.spool.embedded;

import java.util.concurrent.CompletableFuture;

import dev.spool.api.MessageBody;
import dev.spool.api.TaskResult;

/**
 * What the engine thread tells its write-ahead log. The engine decides, the log records: each call
 * appends one record describing a change already applied to the {@link StateMachine}, stamped with
 * the engine time {@code now}. Replies go through {@link #reply} so that they complete only once
 * every record appended before them is durable. Memory mode uses {@link #NONE}, which records
 * nothing and replies at once. Called only from the engine thread.
 */
interface Wal {
    /** No journal: memory mode. */
    Wal NONE = new Wal() {
    };

    default void queuePut(QueueState q, long now) {
    }

    default void queueDelete(QueueState q, long now) {
    }

    default void queuePurge(QueueState q, long now) {
    }

    default void groupPut(GroupState g, long now) {
    }

    default void groupDelete(GroupState g, long now) {
    }

    /** The group's push configuration ({@link GroupState#push}) was set or changed. */
    default void groupPush(GroupState g, long now) {
    }

    /** Starts a push record; {@code targetGid} is -1 for every group. */
    /**
     * Replies to a pop with its deliveries: like {@link #reply}, except that under {@code fsync=always}
     * the reply may complete once the lease records are written, before they are forced, when every
     * delivered message was pushed before position {@code pushedBefore} and the journal is forced past it.
     */
    default <T> void replyDelivered(CompletableFuture<T> f, T value, long pushedBefore) {
        reply(f, value);
    }

    /**
     * Replies to a request whose sender waits for no reply: like {@link #reply} (the reply still
     * completes only once its records are durable), except that under {@code fsync=always} its
     * records need not be forced on their own: a later force may cover them.
     */
    default <T> void replyUnawaited(CompletableFuture<T> f, T value) {
        reply(f, value);
    }

    default void pushBegin(QueueState q, int targetGid, long now) {
    }

    /** Adds a message to the open push record and sets its journal location. */
    default void pushEntry(Msg m, long readyAt, String dedupId, long dedupUntil) {
    }

    default void pushEnd() {
    }

    default void deliver(GroupState g, long leaseUntil, Entry[] entries, int count, long now) {
    }

    default void ack(GroupState g, long[] ids, int count, TaskResult result, long now) {
    }

    default void nack(GroupState g, long[] ids, long[] readyAts, int count, String reason, long now) {
    }

    default void extend(GroupState g, long[] ids, int count, long leaseUntil, long now) {
    }

    /** The entry died; followed (inside the same transaction) by the dead-letter push. */
    default void kill(Entry e, String reason, long now) {
    }

    /** Messages removed from a queue (redrive takes them out of the dead-letter queue). */
    default void remove(QueueState q, long[] ids, int count, long now) {
    }

    /** An access token was created. */
    default void tokenPut(dev.spool.api.AccessToken t, long now) {
    }

    /** An access token was revoked. */
    default void tokenRevoke(String id, long now) {
    }

    /** {@code l} was granted to its current holder. */
    default void lockAcquire(LockEntry l, long now) {
    }

    /** {@code l}'s holder extended its lease. */
    default void lockKeepalive(LockEntry l, long now) {
    }

    /** The holder with {@code token} released {@code l}. */
    default void lockRelease(LockEntry l, long token, long now) {
    }

    /** {@code l} got a new state document ({@code l.doc}, whose location this sets). */
    default void lockStatePut(LockEntry l, long now) {
    }

    /** {@code l}'s document of {@code version} was deleted. */
    default void lockStateDelete(LockEntry l, long version, long now) {
    }

    /** Starts a group of records applied together or not at all. */
    default void txBegin(long now) {
    }

    default void txEnd() {
    }

    /** Discards records appended since {@link #txBegin} (the transaction failed). */
    default void txAbort() {
    }

    /** Completes {@code f} once everything appended so far is durable. */
    default <T> void reply(CompletableFuture<T> f, T value) {
        f.complete(value);
    }

    /** Fails {@code f} once everything appended so far is durable. */
    default void fail(CompletableFuture<?> f, Throwable error) {
        f.completeExceptionally(error);
    }

    /** End of an engine iteration: hand what was appended to the writer. */
    default void seal() {
    }

    /** The body of a message, from memory or read back from the journal. */
    default MessageBody body(Msg m) {
        return m.body;
    }

    /** A message left the state: its record no longer keeps its segment alive. */
    default void deleted(Msg m) {
    }

    /** Engine-thread housekeeping between iterations (cache eviction, compaction steps). */
    default void housekeeping(long now) {
    }

    /** The next time {@link #housekeeping} wants to run, or {@code Long.MAX_VALUE}. */
    default long nextHousekeeping() {
        return Long.MAX_VALUE;
    }

    /** Remembers where the log stands before a command (or a timer pass) runs. */
    default void markCommand() {
    }

    /**
     * The command that began at the last {@link #markCommand} failed. An {@code expected} failure
     * (a {@link dev.spool.api.SpoolException}) leaves memory and log in step as long as every record
     * it began was ended: each record describes a change already made. Otherwise (a record left
     * half-written, as a transaction failing between its operations, or any unexpected exception
     * after something was appended) memory now holds part of a change the log must not keep: drops
     * every record and reply appended since the mark (failing those replies) and stops accepting
     * writes; a restart rebuilds the state from the log. Returns whether it did so.
     */
    default boolean abandonCommand(Throwable cause, boolean expected) {
        return false;
    }

    /** Why the log accepts no writes (writer failed, or a command was abandoned), or null. */
    default String failureReason() {
        return null;
    }

    /** Flushes and closes; called by the engine thread as it stops. */
    default void close() {
    }
}
