package dev.spool.embedded;

import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import dev.spool.api.AckRequest;
import dev.spool.api.BrowseRequest;
import dev.spool.api.Delivery;
import dev.spool.api.ExtendRequest;
import dev.spool.api.GroupInfo;
import dev.spool.api.GroupSpec;
import dev.spool.api.Health;
import dev.spool.api.LockFence;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageView;
import dev.spool.api.NackRequest;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;
import dev.spool.api.RedriveRequest;
import dev.spool.api.TxOp;
import dev.spool.api.TxResult;

/**
 * A request handed to the engine thread. Arguments were validated by the caller's thread; the
 * engine checks only what depends on state. Each carries the future its reply completes.
 */
sealed interface Command {
    CompletableFuture<?> reply();

    record PutQueue(String queue, QueueConfig config, CompletableFuture<QueueInfo> reply) implements Command {
    }

    record GetQueue(String queue, CompletableFuture<QueueInfo> reply) implements Command {
    }

    record ListQueues(CompletableFuture<List<QueueInfo>> reply) implements Command {
    }

    record DeleteQueue(String queue, CompletableFuture<Void> reply) implements Command {
    }

    record PurgeQueue(String queue, CompletableFuture<Long> reply) implements Command {
    }

    record Push(String queue, List<NewMessage> messages, CompletableFuture<long[]> reply) implements Command {
    }

    /** {@code caller} is the stage the caller holds: once it is cancelled the pop leases nothing more. */
    record Pop(String queue, PopRequest request, CompletableFuture<List<Delivery>> reply,
            CompletableFuture<List<Delivery>> caller) implements Command {
    }

    /** {@code unawaited}: nobody waits for the reply ({@link dev.spool.api.Broker#ackUnawaited}). */
    record Ack(String queue, AckRequest request, CompletableFuture<Outcomes> reply, boolean unawaited)
            implements Command {
    }

    record Nack(String queue, NackRequest request, CompletableFuture<Outcomes> reply) implements Command {
    }

    record Extend(String queue, ExtendRequest request, CompletableFuture<Outcomes> reply) implements Command {
    }

    record GetMessage(String queue, long id, MessageQuery query, CompletableFuture<MessageView> reply)
            implements Command {
    }

    record Browse(String queue, BrowseRequest request, CompletableFuture<List<MessageView>> reply)
            implements Command {
    }

    record Redrive(String queue, RedriveRequest request, CompletableFuture<Long> reply) implements Command {
    }

    record PutGroup(String queue, String group, GroupSpec spec, CompletableFuture<GroupInfo> reply)
            implements Command {
    }

    record GetGroup(String queue, String group, CompletableFuture<GroupInfo> reply) implements Command {
    }

    record ListGroups(String queue, CompletableFuture<List<GroupInfo>> reply) implements Command {
    }

    record DeleteGroup(String queue, String group, CompletableFuture<Void> reply) implements Command {
    }

    /** {@code leaseIds[i]}: the lease id op i grants when it is an acquire (drawn off the engine thread), else null. */
    record Transact(List<TxOp> ops, String[] leaseIds, CompletableFuture<TxResult> reply) implements Command {
    }

    record PutToken(dev.spool.api.AccessToken token, CompletableFuture<dev.spool.api.AccessToken> reply)
            implements Command {
    }

    record ListTokens(CompletableFuture<List<dev.spool.api.AccessToken>> reply) implements Command {
    }

    record RevokeToken(String id, CompletableFuture<Void> reply) implements Command {
    }

    record AcquireLock(String name, String leaseId, LockRequest request, CompletableFuture<LockLease> reply)
            implements Command {
    }

    record KeepaliveLock(String name, LockFence fence, long ttlMs, CompletableFuture<LockLease> reply)
            implements Command {
    }

    record ReleaseLock(String name, LockFence fence, CompletableFuture<Void> reply) implements Command {
    }

    /** The caller cancelled the acquire that drew {@code leaseId}: leave the line, or release if granted. */
    record CancelAcquire(String name, String leaseId, CompletableFuture<Void> reply) implements Command {
    }

    record GetLock(String name, CompletableFuture<LockInfo> reply) implements Command {
    }

    record ListLocks(String prefix, String after, int limit, CompletableFuture<List<LockInfo>> reply)
            implements Command {
    }

    record GetLockState(String name, CompletableFuture<LockState> reply) implements Command {
    }

    record PutLockState(String name, LockStateWrite write, CompletableFuture<LockStateInfo> reply)
            implements Command {
    }

    record DeleteLockState(String name, LockFence fence, OptionalLong ifVersion, CompletableFuture<Void> reply)
            implements Command {
    }

    record CheckHealth(CompletableFuture<Health> reply) implements Command {
    }

    /** Runs an engine-internal task (snapshots, compaction steps, tests). */
    record Task(Runnable task, CompletableFuture<Void> reply) implements Command {
    }
}
