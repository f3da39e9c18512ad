package dev.spool.embedded;

/** A task-view lookup parked until the message reaches a terminal state or the wait ends. */
final class TaskWaiter {
    final Command.GetMessage command;
    final Entry entry;
    final long deadline;
    boolean done;

    TaskWaiter(Command.GetMessage command, Entry entry, long deadline) {
        this.command = command;
        this.entry = entry;
        this.deadline = deadline;
    }
}
