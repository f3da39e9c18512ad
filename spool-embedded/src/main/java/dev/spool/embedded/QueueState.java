package dev.spool.embedded;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.spool.api.Broker;
import dev.spool.api.QueueConfig;
import dev.spool.api.StartPosition;

/** One queue: its configuration, the messages it holds, its groups and its dedup window. */
final class QueueState {
    final int qid;
    final String name;
    final long createdAt;
    QueueConfig config;
    final GroupState defaultGroup;
    /** Named groups by name, in creation order. */
    final Map<String, GroupState> groups = new HashMap<>();
    /** Every message held (unfinished, retained, or keeping a result), by id. */
    final LongObjectMap<Msg> msgs = new LongObjectMap<>(64);
    /** The dedup ids of every queue ({@link DedupIds}), shared through the state machine. */
    private final DedupIds dedup;
    boolean deleted;
    /** The highest group id this queue ever had (restored by snapshots and by replaying group records). */
    int lastGid;

    /** A queue with dedup ids of its own (tests). */
    QueueState(int qid, String name, QueueConfig config, long createdAt) {
        this(qid, name, config, createdAt, new DedupIds());
    }

    QueueState(int qid, String name, QueueConfig config, long createdAt, DedupIds dedup) {
        this.dedup = dedup;
        this.qid = qid;
        this.name = name;
        this.config = config;
        this.createdAt = createdAt;
        this.defaultGroup = new GroupState(this, 0, Broker.DEFAULT_GROUP, StartPosition.EARLIEST, createdAt);
    }

    GroupState group(String name) {
        return Broker.DEFAULT_GROUP.equals(name) ? defaultGroup : groups.get(name);
    }

    GroupState groupById(int gid) {
        if (gid == 0) {
            return defaultGroup;
        }
        for (GroupState g : groups.values()) {
            if (g.gid == gid) {
                return g;
            }
        }
        return null;
    }

    /** Named groups sorted by name. */
    List<GroupState> namedGroupsSorted() {
        List<GroupState> out = new ArrayList<>(groups.values());
        out.sort((a, b) -> a.name.compareTo(b.name));
        return out;
    }

    /**
     * The id of the next named group. Ids are never reused, not even after the newest group is
     * deleted: a group's id is part of its receipts' tags ({@link ReceiptTags}), so a receipt of a
     * deleted group must never name an entry of a new group of the same name.
     */
    int nextGroupId() {
        return lastGid + 1;
    }

    /** The first id pushed with {@code dedupId} if it is still inside the window, else -1. */
    long dedupLookup(String dedupId, long now) {
        return dedup.lookup(qid, dedupId, now);
    }

    void dedupRemember(String dedupId, long id, long until) {
        dedup.remember(qid, dedupId, id, until);
    }

    /** Forgets dedup ids whose window ended (of every queue); cheap when nothing expired. */
    void dedupExpire(long now) {
        dedup.expire(now);
    }
}
