package dev.spool.api;

import java.util.Optional;

/**
 * A lock as anyone may see it.
 *
 * @param name the lock
 * @param holder the current holder, empty when free
 * @param lastToken the highest fencing token ever issued for this name (0 if never acquired)
 * @param waiters how many acquires wait in line
 * @param state the state document's description, empty when there is none
 */
public record LockInfo(String name, Optional<LockHolder> holder, long lastToken, int waiters,
                       Optional<LockStateInfo> state) {
}
