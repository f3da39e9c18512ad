package dev.spool.api;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.spool.api.crypto.Keyring;

/**
 * The storage-independent service behind Spool: queues with leases, keyed FIFO, delays, retries,
 * dead letters, fan-out groups, task results and transactions (DESIGN §1).
 *
 * <p>Every method is thread-safe and non-blocking: it returns a stage that completes when the
 * operation took effect and, for writes, is durable under the backend's policy. Failures complete
 * the stage exceptionally with a {@link SpoolException}; invalid arguments fail it with
 * {@link ErrorCode#INVALID_ARGUMENT} and change nothing. Backends: the embedded engine (memory or
 * journal) and PostgreSQL; all pass the same contract suite in {@code spool-testkit}.
 *
 * <p>Groups: every queue has the {@link #DEFAULT_GROUP}; named groups each see every message pushed
 * after their start position and keep their own leases, attempts and dead letters. Methods taking
 * a group fail with {@link ErrorCode#GROUP_NOT_FOUND} for an unknown one.
 */
public interface Broker extends AutoCloseable {

    /** The group every queue has. Named groups may not use this name. */
    String DEFAULT_GROUP = "default";

    /** The settings this broker runs with. */
    BrokerSettings settings();

    /**
     * Creates a queue or replaces its configuration. Reconfiguring keeps its messages; new values
     * apply to later operations.
     */
    CompletionStage<QueueInfo> putQueue(String queue, QueueConfig config);

    /** A queue's configuration and counts; {@link ErrorCode#QUEUE_NOT_FOUND} if it does not exist. */
    CompletionStage<QueueInfo> getQueue(String queue);

    /** Every queue, in name order. */
    CompletionStage<List<QueueInfo>> listQueues();

    /** Deletes a queue and all its messages and groups; waiting pops on it return empty. */
    CompletionStage<Void> deleteQueue(String queue);

    /** Drops every message of every group of a queue (leases included); returns how many. */
    CompletionStage<Long> purgeQueue(String queue);

    /**
     * Pushes messages; all or none are accepted. Creates the queue if it is missing and
     * auto-create is on. A message whose {@code dedup_id} was pushed within the queue's dedup
     * window is not stored again: its slot in the reply holds the first message's id.
     *
     * @return the id of each message, in request order
     */
    CompletionStage<long[]> push(String queue, List<NewMessage> messages);

    /**
     * Leases up to {@code max} ready messages of a group: by priority, then push order, with at
     * most one message per key in flight. Waits up to {@code waitMs} for a first message and
     * returns as soon as one is ready. Returns an empty list when none came in time, or when the
     * queue was deleted meanwhile. Creates the queue if it is missing and auto-create is on.
     * Cancelling the returned stage of a waiting pop withdraws it: it leases nothing for the caller
     * afterwards, and what it had leased when the cancel raced with its answer is nacked without
     * delay ({@link WaitingPops}).
     */
    CompletionStage<List<Delivery>> pop(String queue, PopRequest request);

    /**
     * Completes deliveries. A stale receipt (lease over, or a newer delivery) changes nothing and
     * reports {@link ReceiptOutcome#STALE}.
     */
    CompletionStage<Outcomes> ack(String queue, AckRequest request);

    /**
     * {@link #ack} for a sender that waits for no reply (a stream ack frame without {@code req}):
     * the same effect, and the returned stage still completes only once the ack is durable, but a
     * backend may let it become durable with a later write instead of on its own (the embedded
     * journal then forces it with the next group commit, or within a millisecond when nothing
     * follows). The default is {@link #ack}.
     */
    default CompletionStage<Outcomes> ackUnawaited(String queue, AckRequest request) {
        return ack(queue, request);
    }

    /**
     * Returns deliveries: ready again after the delay or backoff, or dead-lettered if the message
     * used its last attempt.
     */
    CompletionStage<Outcomes> nack(String queue, NackRequest request);

    /** Prolongs leases to {@code visibilityMs} from now. */
    CompletionStage<Outcomes> extend(String queue, ExtendRequest request);

    /**
     * The task view of a message in a group. With {@code waitMs}, completes as soon as the message
     * reaches a terminal state, or with its current state when the wait ends.
     * {@link ErrorCode#MESSAGE_NOT_FOUND} when the message is not, or no longer, known.
     */
    CompletionStage<MessageView> getMessage(String queue, long id, MessageQuery query);

    /** Lists messages without leasing them; see {@link BrowseRequest}. */
    CompletionStage<List<MessageView>> browse(String queue, BrowseRequest request);

    /** Moves dead letters back; see {@link RedriveRequest}. Returns how many moved. */
    CompletionStage<Long> redrive(String queue, RedriveRequest request);

    /**
     * Creates a named group. Creating an existing group with the same start position returns it,
     * its push configuration replaced by the spec's ({@link GroupSpec#push()}, durable like the
     * group); with another start position fails with {@link ErrorCode#CONFLICT}.
     *
     * <p>The {@link #DEFAULT_GROUP} always exists and starts at {@link StartPosition#EARLIEST}:
     * putting it only sets (or, with an empty push, clears) its push configuration, which makes
     * the queue's own messages delivered by push; another start fails with {@link ErrorCode#CONFLICT}.
     */
    CompletionStage<GroupInfo> putGroup(String queue, String group, GroupSpec spec);

    /** A group and its counts ({@link #DEFAULT_GROUP} included). */
    CompletionStage<GroupInfo> getGroup(String queue, String group);

    /** Every group of a queue, the default group first, then by name. */
    CompletionStage<List<GroupInfo>> listGroups(String queue);

    /** Deletes a named group with its leases and dead-letter bookkeeping. */
    CompletionStage<Void> deleteGroup(String queue, String group);

    /** Applies every operation or none; see {@link TxOp}. */
    CompletionStage<TxResult> transact(List<TxOp> ops);

    /**
     * Acquires a lock, waiting in line (first come, first served) up to {@code request.waitMs()}
     * while another holds it. Fails with {@link ErrorCode#LOCK_HELD} when the wait ends first.
     * Cancelling the returned stage ({@code toCompletableFuture().cancel(false)}) withdraws the
     * waiter; if the lock was granted at that same moment, the broker releases it again.
     */
    default CompletionStage<LockLease> acquireLock(String name, LockRequest request) {
        return CompletableFuture.failedFuture(locksUnavailable());
    }

    /** Extends the holder's lease to {@code ttlMs} from now; a stale fence fails with {@link ErrorCode#STALE_LEASE}. */
    default CompletionStage<LockLease> keepaliveLock(String name, LockFence fence, long ttlMs) {
        return CompletableFuture.failedFuture(locksUnavailable());
    }

    /** Frees the lock and hands it to the first waiter; a stale fence fails with {@link ErrorCode#STALE_LEASE}. */
    default CompletionStage<Void> releaseLock(String name, LockFence fence) {
        return CompletableFuture.failedFuture(locksUnavailable());
    }

    /** A lock's holder, waiters and state description; {@link ErrorCode#LOCK_NOT_FOUND} if never acquired nor written. */
    default CompletionStage<LockInfo> getLock(String name) {
        return CompletableFuture.failedFuture(locksUnavailable());
    }

    /** Locks whose names start with {@code prefix} and sort after {@code after} (empty: from the first), by name, at most {@code limit}. */
    default CompletionStage<List<LockInfo>> listLocks(String prefix, String after, int limit) {
        return CompletableFuture.failedFuture(locksUnavailable());
    }

    /** The lock's state document; {@link ErrorCode#NOT_FOUND} when it has none. Anyone may read it. */
    default CompletionStage<LockState> getLockState(String name) {
        return CompletableFuture.failedFuture(locksUnavailable());
    }

    /** Replaces the state document; needs the current fence, and the version when {@code ifVersion} is set. */
    default CompletionStage<LockStateInfo> putLockState(String name, LockStateWrite write) {
        return CompletableFuture.failedFuture(locksUnavailable());
    }

    /** Deletes the state document under the same rules as a write. */
    default CompletionStage<Void> deleteLockState(String name, LockFence fence, OptionalLong ifVersion) {
        return CompletableFuture.failedFuture(locksUnavailable());
    }

    private static SpoolException locksUnavailable() {
        return new SpoolException(ErrorCode.NOT_IMPLEMENTED, "locks are not available on this backend");
    }

    /**
     * Stores a new access token. Fails with {@link ErrorCode#CONFLICT} when a token with this id
     * exists. Durable like a queue's configuration; seen by every server sharing the storage.
     */
    default CompletionStage<AccessToken> putToken(AccessToken token) {
        return CompletableFuture.failedFuture(tokensUnavailable());
    }

    /** Every access token that is not revoked, by id. */
    default CompletionStage<List<AccessToken>> listTokens() {
        return CompletableFuture.failedFuture(tokensUnavailable());
    }

    /**
     * Revokes (forgets) a token; {@link ErrorCode#NOT_FOUND} when no token has this id. Servers
     * refuse the token once their cache refreshes (within a second).
     */
    default CompletionStage<Void> revokeToken(String id) {
        return CompletableFuture.failedFuture(tokensUnavailable());
    }

    private static SpoolException tokensUnavailable() {
        return new SpoolException(ErrorCode.NOT_IMPLEMENTED, "access tokens are not stored by this backend");
    }

    /**
     * Replaces the encryption keyring this broker seals and opens with by {@code next} (a keys file
     * reloaded while running): new writes use {@code next}'s active key, reads find every key
     * {@code next} holds. Refused, leaving the old keyring in place, when {@code next} drops a key
     * that stored records may still use ({@link ErrorCode#CONFLICT}, naming the key ids only), or
     * when the broker was started without a keyring ({@link ErrorCode#INVALID_ARGUMENT}).
     *
     * @param next the keyring read from the changed file or variable
     * @return completes once new writes use {@code next}
     */
    default CompletionStage<Void> replaceKeyring(Keyring next) {
        Optional<Keyring> current = settings().atRest().keyring();
        if (current.isEmpty()) {
            return CompletableFuture.failedFuture(SpoolException.withField(ErrorCode.INVALID_ARGUMENT,
                    "encryption-keys-file", "this server was started without an encryption keyring: restart it to "
                            + "turn encryption at rest on"));
        }
        return keysInUse(current.get().lostIn(next)).thenCompose(used -> {
            if (!used.isEmpty()) {
                return CompletableFuture.failedFuture(new SpoolException(ErrorCode.CONFLICT, "the new keyring drops "
                        + "key(s) " + used + " that stored records may still use (dropped, or their bytes changed); "
                        + "keeping the old keyring (keep the key until no record uses it: docs/security.md, "
                        + "Key rotation)"));
            }
            return keyringReplaced(current.get(), next);
        });
    }

    /**
     * Which of {@code ids} stored records may still be sealed under ({@link #replaceKeyring} refuses
     * to drop those). A backend that stores nothing at rest returns none.
     */
    default CompletionStage<Set<String>> keysInUse(Set<String> ids) {
        return CompletableFuture.completedFuture(Set.of());
    }

    /**
     * Swaps {@code next}'s keys into the live {@code ring} (after {@link #keysInUse} allowed it); a
     * backend that must note a change of active key (a journal) does it here too.
     */
    default CompletionStage<Void> keyringReplaced(Keyring ring,
            Keyring next) {
        ring.replaceWith(next);
        return CompletableFuture.completedFuture(null);
    }

    /** Whether the backend can serve requests. */
    CompletionStage<Health> health();

    /**
     * Stops accepting requests, completes or fails what is pending, makes everything accepted
     * durable and releases resources. Waiting pops return empty.
     */
    @Override
    void close();
}
