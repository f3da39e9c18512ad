package dev.spool.embedded;

/** A message's state in a named group. */
final class GroupEntry extends Entry {
    private final Msg msg;
    private final GroupState group;

    GroupEntry(Msg msg, GroupState group) {
        this.msg = msg;
        this.group = group;
    }

    @Override
    Msg msg() {
        return msg;
    }

    @Override
    GroupState group() {
        return group;
    }
}
