package dev.spool.api;

import java.util.OptionalLong;
import java.util.Set;

/**
 * Input checks and bounds of the lock operations, shared by every backend so that a bad value
 * gets the same {@link ErrorCode#INVALID_ARGUMENT} naming the same field wherever it enters.
 * Field names are the wire names: {@code lock}, {@code owner}, {@code ttl_ms}, {@code wait_ms},
 * {@code lease_id}, {@code token}, {@code content_type}, {@code if_version}, {@code prefix},
 * {@code after}, {@code limit}.
 */
public final class LockChecks {
    /** Longest lease: 24 hours (keepalive extends it). */
    public static final long MAX_TTL_MS = 24L * 3600 * 1000;
    /** Longest owner text. */
    public static final int MAX_OWNER_LENGTH = 256;
    /** Longest lease id a client may send (ids the backends issue are shorter). */
    public static final int MAX_LEASE_ID_LENGTH = 128;
    /** Largest state document: 100 MiB. */
    public static final long MAX_STATE_BYTES = 100L << 20;
    /** Most locks one list returns. */
    public static final int MAX_LIST = 1_000;

    private LockChecks() {
    }

    /** Checks an acquire: name, owner, ttl and wait (the wait bounded by {@link BrokerLimits#maxWaitMs()}). */
    public static void acquire(String name, LockRequest request, BrokerLimits limits) {
        Names.checkLock(name, "lock");
        Validation.text("owner", request.owner(), 1, MAX_OWNER_LENGTH);
        ttl(request.ttlMs());
        Validation.range("wait_ms", request.waitMs(), 0, limits.maxWaitMs());
    }

    /** Checks a lease length. */
    public static long ttl(long ttlMs) {
        return Validation.range("ttl_ms", ttlMs, 1, MAX_TTL_MS);
    }

    /** Checks a lock name and a fence's form (not whether it is current). */
    public static void fence(String name, LockFence fence) {
        Names.checkLock(name, "lock");
        if (fence == null) {
            throw SpoolException.invalid("lease_id", "a lease id and token are needed");
        }
        Validation.text("lease_id", fence.leaseId(), 1, MAX_LEASE_ID_LENGTH);
        Validation.range("token", fence.token(), 1, Long.MAX_VALUE);
    }

    /** Checks a state write's form: name, fence, content type, size and expected version. */
    public static void write(String name, LockStateWrite write) {
        fence(name, write.fence());
        document(write);
    }

    private static void document(LockStateWrite write) {
        Validation.text("content_type", write.contentType(), 1, Validation.MAX_CONTENT_TYPE_LENGTH);
        if (write.payload().size() > MAX_STATE_BYTES) {
            throw SpoolException.withField(ErrorCode.PAYLOAD_TOO_LARGE, "state",
                    "a lock state document is at most " + MAX_STATE_BYTES + " bytes");
        }
        ifVersion(write.ifVersion());
    }

    /** Checks an expected version: not negative. */
    public static void ifVersion(OptionalLong ifVersion) {
        if (ifVersion == null) {
            throw SpoolException.invalid("if_version", "must not be null");
        }
        if (ifVersion.isPresent()) {
            Validation.range("if_version", ifVersion.getAsLong(), 0, Long.MAX_VALUE);
        }
    }

    /**
     * Checks a lock op of a transaction, in op order: its form; that an acquire does not wait and
     * is the first of its lock in the transaction; and that {@link LockFence#TX_ACQUIRED} is used
     * only after an acquire of the same lock. Whether the fence is current is the backend's check.
     *
     * @param acquired the locks that earlier ops of the transaction acquire; an acquire adds to it
     */
    public static void txOp(TxOp.OnLock op, Set<String> acquired, BrokerLimits limits) {
        switch (op) {
            case TxOp.LockAcquire a -> {
                acquire(a.lock(), a.request(), limits);
                if (a.request().waitMs() != 0) {
                    throw SpoolException.invalid("wait_ms", "an acquire in a transaction does not wait: wait_ms is 0");
                }
                if (!acquired.add(a.lock())) {
                    throw SpoolException.invalid("lock", "the transaction already acquires lock " + a.lock());
                }
            }
            case TxOp.LockStatePut p -> {
                if (p.write().fence().txAcquired()) {
                    acquiredBefore(p.lock(), acquired);
                    document(p.write());
                } else {
                    write(p.lock(), p.write());
                }
            }
            case TxOp.LockRelease r -> {
                if (r.fence().txAcquired()) {
                    acquiredBefore(r.lock(), acquired);
                } else {
                    fence(r.lock(), r.fence());
                }
            }
        }
    }

    private static void acquiredBefore(String lock, Set<String> acquired) {
        Names.checkLock(lock, "lock");
        if (!acquired.contains(lock)) {
            throw SpoolException.invalid("lease_id", "lease_id and token are required unless an earlier op of "
                    + "the transaction acquires lock " + lock);
        }
    }

    /** Checks a list request: the prefix may be empty, {@code after} empty or a valid name, limit 1..{@link #MAX_LIST}. */
    public static void list(String prefix, String after, int limit) {
        if (prefix == null || prefix.length() > Names.MAX_NAME_LENGTH
                || (!prefix.isEmpty() && !prefix.equals(".") && !prefix.equals("..") && !Names.isValid(prefix))) {
            throw SpoolException.invalid("prefix", "a prefix is 0-128 characters of [A-Za-z0-9._-]");
        }
        if (after == null || (!after.isEmpty() && !Names.isValid(after))) {
            throw SpoolException.invalid("after", "empty or a lock name");
        }
        Validation.range("limit", limit, 1, MAX_LIST);
    }
}
