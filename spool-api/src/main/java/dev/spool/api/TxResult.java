package dev.spool.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a committed transaction did.
 *
 * @param pushedIds for each operation in request order, the ids it pushed (empty for non-push
 *        operations)
 * @param leases the leases that {@link TxOp.LockAcquire} operations took, by operation index
 */
public record TxResult(List<long[]> pushedIds, Map<Integer, LockLease> leases) {
    /** Copies the list and the map. */
    public TxResult {
        pushedIds = List.copyOf(pushedIds);
        leases = Map.copyOf(leases);
    }

    /** A result without acquires. */
    public TxResult(List<long[]> pushedIds) {
        this(pushedIds, Map.of());
    }

    /** The lease that operation {@code opIndex} took, when it is an acquire. */
    public Optional<LockLease> lease(int opIndex) {
        return Optional.ofNullable(leases.get(opIndex));
    }
}
