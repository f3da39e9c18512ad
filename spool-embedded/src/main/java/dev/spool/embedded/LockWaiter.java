package dev.spool.embedded;

/** An acquire waiting in a lock's line until its deadline (engine side, never recorded). */
final class LockWaiter {
    final Command.AcquireLock command;
    final LockEntry lock;
    final long deadline;
    boolean done;

    LockWaiter(Command.AcquireLock command, LockEntry lock, long deadline) {
        this.command = command;
        this.lock = lock;
        this.deadline = deadline;
    }
}
