package dev.spool.embedded;

import dev.spool.api.Payload;
import dev.spool.api.TaskResult;

/**
 * Applies journal records to a {@link StateMachine} during recovery. Before each record the timer
 * wheel is advanced to the record's time, so the time-driven changes that happened between
 * records in the original run (delays ending, leases and TTLs expiring) happen again in the same
 * order. A lease that expired on its last attempt is not decided here: the journal holds the
 * dead-letter record that followed it, or, if the crash came first, the engine decides it anew
 * after recovery.
 */
final class Replayer implements StateMachine.Listener {
    private final StateMachine sm;

    Replayer(StateMachine sm) {
        this.sm = sm;
        sm.listener = this;
    }

    void apply(SegmentReader.Record r, long segment) {
        sm.advance(r.time());
        apply(r.type(), r.time(), r.body(), segment);
    }

    private void apply(int type, long now, RecordIn in, long segment) {
        switch (type) {
            case RecordType.QUEUE_PUT -> {
                int qid = in.getInt();
                String name = in.getString();
                long created = in.getLong();
                var config = Codec.getConfig(in);
                QueueState q = sm.byId.get(qid);
                if (q == null) {
                    sm.createQueue(qid, name, config, created);
                } else {
                    q.config = config;
                }
            }
            case RecordType.QUEUE_DELETE -> {
                QueueState q = sm.byId.get(in.getInt());
                if (q != null) {
                    sm.deleteQueue(q, now);
                }
            }
            case RecordType.QUEUE_PURGE -> {
                QueueState q = sm.byId.get(in.getInt());
                if (q != null) {
                    sm.purge(q, now);
                }
            }
            case RecordType.GROUP_PUT -> {
                QueueState q = sm.byId.get(in.getInt());
                int gid = in.getInt();
                String name = in.getString();
                var start = Codec.getStart(in);
                long created = in.getLong();
                if (q != null && !q.groups.containsKey(name)) {
                    sm.createGroup(q, gid, name, start, created);
                }
            }
            case RecordType.GROUP_PUSH -> {
                GroupState g = group(in.getInt(), in.getInt());
                String push = in.getString();
                if (g != null) {
                    g.push = push;
                }
            }
            case RecordType.GROUP_DELETE -> {
                GroupState g = group(in.getInt(), in.getInt());
                if (g != null && !g.isDefault()) {
                    sm.deleteGroup(g, now);
                }
            }
            case RecordType.PUSH -> push(in, now, segment);
            case RecordType.TX -> {
                int count = in.getInt();
                for (int i = 0; i < count; i++) {
                    long start = in.position();
                    int length = in.getInt();
                    int nested = in.get();
                    apply(nested, now, in, segment);
                    if (in.position() != start + length) {
                        throw new IllegalStateException("nested record at " + start + " decoded to a wrong length");
                    }
                }
            }
            case RecordType.RELOCATE -> relocate(in, segment);
            case RecordType.LOCK_ACQUIRE, RecordType.LOCK_KEEPALIVE, RecordType.LOCK_RELEASE,
                    RecordType.LOCK_STATE_PUT, RecordType.LOCK_STATE_DELETE, RecordType.LOCK_STATE_RELOCATE ->
                    lock(type, now, in, segment);
            case RecordType.QUEUE_ATTRS -> {
                QueueState q = sm.byId.get(in.getInt());
                var attributes = Codec.getAttributes(in);
                if (q != null) {
                    q.config = q.config.withAttributes(attributes);
                }
            }
            case RecordType.TOKEN_PUT -> sm.putToken(Codec.getToken(in));
            case RecordType.TOKEN_REVOKE -> sm.tokens.remove(in.getString());
            default -> applyToEntries(type, now, in);
        }
    }

    private void push(RecordIn in, long now, long segment) {
        QueueState q = sm.byId.get(in.getInt());
        int target = in.getInt();
        int count = in.getInt();
        for (int i = 0; i < count; i++) {
            long loc = JournalPos.of(segment, in.position());
            EntryCodec.Meta m = EntryCodec.decode(in, null, false);
            if (q == null) {
                continue;
            }
            Msg msg = sm.addMessage(q, m.id(), m.priority(), m.key(), null, m.readyAt(), m.expiresAt(), target,
                    m.source(), now);
            msg.location = loc;
            msg.storedBytes = m.entryLength();
            if (m.dedupId() != null && m.dedupUntil() > now) {
                q.dedupRemember(m.dedupId(), m.id(), m.dedupUntil());
            }
        }
    }

    private void relocate(RecordIn in, long segment) {
        QueueState q = sm.byId.get(in.getInt());
        long loc = JournalPos.of(segment, in.position());
        EntryCodec.Meta m = EntryCodec.decode(in, null, false);
        Msg msg = q == null ? null : q.msgs.get(m.id());
        if (msg != null) {
            msg.location = loc;
            msg.storedBytes = m.entryLength();
        }
    }

    private void lock(int type, long now, RecordIn in, long segment) {
        LockTable t = sm.locks;
        String name = in.getString();
        switch (type) {
            case RecordType.LOCK_ACQUIRE -> {
                String leaseId = in.getString();
                long token = in.getLong();
                String owner = in.getString();
                long expiresAt = in.getLong();
                t.grant(t.getOrCreate(name), leaseId, token, owner, now, expiresAt);
            }
            case RecordType.LOCK_KEEPALIVE -> {
                long token = in.getLong();
                long expiresAt = in.getLong();
                LockEntry l = t.get(name);
                if (l != null && l.held() && l.token == token) {
                    t.keepalive(l, expiresAt);
                }
            }
            case RecordType.LOCK_RELEASE -> {
                long token = in.getLong();
                LockEntry l = t.get(name);
                if (l != null && l.held() && l.token == token) {
                    t.release(l);
                }
            }
            case RecordType.LOCK_STATE_PUT -> {
                long version = in.getLong();
                long token = in.getLong();
                String contentType = in.getString();
                long size = in.getLong();
                long loc = JournalPos.of(segment, in.position());
                EntryCodec.Meta m = EntryCodec.decode(in, null, false);
                LockEntry l = t.getOrCreate(name);
                t.putState(l, version, null, contentType, size, token, m.readyAt());
                l.doc.location = loc;
                l.doc.storedBytes = m.entryLength();
            }
            case RecordType.LOCK_STATE_DELETE -> {
                long version = in.getLong();
                LockEntry l = t.get(name);
                if (l != null) {
                    t.deleteState(l, version);
                }
            }
            default -> {
                long loc = JournalPos.of(segment, in.position());
                EntryCodec.Meta m = EntryCodec.decode(in, null, false);
                LockEntry l = t.get(name);
                if (l != null && l.doc != null && l.doc.id == m.id()) {
                    l.doc.location = loc;
                    l.doc.storedBytes = m.entryLength();
                }
            }
        }
    }

    private void applyToEntries(int type, long now, RecordIn in) {
        GroupState g = group(in.getInt(), type == RecordType.REMOVE ? 0 : in.getInt());
        switch (type) {
            case RecordType.DELIVER -> {
                long leaseUntil = in.getLong();
                int n = in.getInt();
                for (int i = 0; i < n; i++) {
                    Entry e = live(g, in.getLong());
                    if (e != null) {
                        sm.deliver(e, leaseUntil, now);
                    }
                }
            }
            case RecordType.ACK -> {
                int n = in.getInt();
                long[] ids = new long[n];
                for (int i = 0; i < n; i++) {
                    ids[i] = in.getLong();
                }
                TaskResult result = null;
                int form = in.get();
                if (form != 0) {
                    String ct = in.getString();
                    byte[] bytes = in.getBytes(in.getInt());
                    if (form == 2 && g != null) {
                        bytes = sm.atRest.openResult(g.queue.qid, ids[0], bytes);
                    }
                    result = new TaskResult(Payload.of(bytes), ct);
                }
                for (long id : ids) {
                    Entry e = live(g, id);
                    if (e != null) {
                        sm.ack(e, result, now);
                    }
                }
            }
            case RecordType.NACK -> {
                String reason = in.getString();
                int n = in.getInt();
                for (int i = 0; i < n; i++) {
                    Entry e = live(g, in.getLong());
                    long readyAt = in.getLong();
                    if (e != null) {
                        sm.requeue(e, readyAt, reason, now);
                    }
                }
            }
            case RecordType.EXTEND -> {
                long leaseUntil = in.getLong();
                int n = in.getInt();
                for (int i = 0; i < n; i++) {
                    Entry e = live(g, in.getLong());
                    if (e != null && e.state == Entry.IN_FLIGHT) {
                        sm.extend(e, leaseUntil);
                    }
                }
            }
            case RecordType.KILL -> {
                Entry e = live(g, in.getLong());
                String reason = in.getString();
                if (e != null) {
                    sm.kill(e, reason, now);
                }
            }
            case RecordType.REMOVE -> {
                int n = in.getInt();
                for (int i = 0; i < n; i++) {
                    long id = in.getLong();
                    Msg m = g == null ? null : g.queue.msgs.get(id);
                    if (m != null) {
                        sm.removeMessage(m, now);
                    }
                }
            }
            default -> throw new IllegalStateException("unknown record type " + type);
        }
    }

    private GroupState group(int qid, int gid) {
        QueueState q = sm.byId.get(qid);
        return q == null ? null : q.groupById(gid);
    }

    private static Entry live(GroupState g, long id) {
        if (g == null) {
            return null;
        }
        Entry e = g.entry(id);
        return e == null || e.isTerminal() ? null : e;
    }

    // ---- StateMachine.Listener: nothing waits during replay ----

    @Override
    public void readyAdded(GroupState g) {
    }

    @Override
    public void terminal(Entry e) {
    }

    @Override
    public void leaseExpiredOnLastAttempt(Entry e, long now) {
        // keep it leased with its lease over: the KILL record decides, or the engine after recovery
        sm.timers.schedule(e, e.deadline);
    }

    @Override
    public void deleted(Msg m) {
    }
}
