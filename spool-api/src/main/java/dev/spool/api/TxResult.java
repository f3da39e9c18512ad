package dev.spool.api;

import java.util.List;

/**
 * What a committed transaction did.
 *
 * @param pushedIds for each operation in request order, the ids it pushed (empty for non-push
 *        operations)
 */
public record TxResult(List<long[]> pushedIds) {
    /** Copies the list. */
    public TxResult {
        pushedIds = List.copyOf(pushedIds);
    }
}
