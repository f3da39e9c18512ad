package dev.spool.embedded;

/** A pop parked in the engine until a message is ready, the wait ends, or the queue goes away. */
final class PopWaiter {
    final Command.Pop command;
    final GroupState group;
    final long deadline;
    boolean done;

    PopWaiter(Command.Pop command, GroupState group, long deadline) {
        this.command = command;
        this.group = group;
        this.deadline = deadline;
    }
}
