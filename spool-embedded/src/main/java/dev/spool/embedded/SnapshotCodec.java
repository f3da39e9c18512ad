package dev.spool.embedded;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import dev.spool.api.AccessToken;
import dev.spool.api.Payload;
import dev.spool.api.TaskResult;

/**
 * The byte layout of a snapshot: the whole {@link StateMachine} as of a journal position, without
 * payloads (messages point at their journal records). Recovery loads the newest snapshot and
 * replays only the records after its position.
 *
 * <pre>
 * "SPOOLSNP" | int32 version | int64 journal position | int64 time | int64 last id | int32 last qid
 * int32 queues, per queue:
 *   int32 qid, str name, int64 created, config (Codec), int64 default group dead count,
 *   (version 8 on) str the default group's push configuration (-1 none),
 *   int32 highest group id ever used (ids are never reused: they are part of receipt tags)
 *   int32 groups, per group: int32 gid, str name, start (Codec), int64 created, int64 dead count,
 *     str push configuration (-1 none; version 6 on, absent before)
 *   int32 messages, per message:
 *     int64 id, int8 priority, str key, int64 expires, int64 location, int32 stored bytes,
 *     int32 pending groups, int64 done at, int64 keep until,
 *     int8 has source [str queue, str group, int64 id, str reason, int32 attempts],
 *     entry of the default group, int32 named entries, per entry: int32 gid, entry
 *   entry: int8 state, int32 attempts, int64 deadline, int8 has extra
 *          [str last error, int64 keep until, int32 result]
 * int32 dedup ids, oldest first, per id: int32 qid, str dedup id, int64 message id, int64 until
 *   result: -1 none; r = the number of results defined so far: a new result follows
 *          (str content type, [version 7 on: int8 form, 0 clear, 1 sealed], int32 n, n bytes) and
 *          becomes result r; r smaller: result r again. A sealed result is an Envelope bound to its
 *          queue id and the id of the message whose entry defines it (AtRestCodec)
 * int32 queues with attributes, per queue: int32 qid, attributes (Codec): absent in snapshots of
 *   earlier builds, which had no attributes (so version 4 did not change;
 *   versions 5 and 6 always have it)
 * (version 5 on) int32 locks, per lock: str name, int64 last token, int64 last version,
 *   int8 held [str lease id, int64 token, str owner, int64 acquired at, int64 expires at],
 *   int8 has state [int64 version, int64 token, int64 updated at, str content type, int64 size,
 *   int64 location, int32 stored bytes]
 * int32 tokens, per token: token (Codec; the hash, never a secret): absent in snapshots of builds
 *   without access tokens, which read as holding none
 * int32 CRC32C of every byte before it
 * </pre>
 *
 * <p>A result is written once however many entries share it (one ack of N receipts with one
 * result stores one {@link TaskResult} on N entries), and decoded into one object they all share
 * again: a snapshot's size and the heap it loads into do not grow with N.
 *
 * Version 8 adds the default group's push configuration; version 7 the result form byte
 * (encryption at rest); versions 4 to 7 still load, their default groups without push. A version
 * 4 snapshot (written before locks existed) loads as one with no locks; a version 4 or 5
 * snapshot (written before push groups existed) as one whose groups have no push configuration.
 *
 * Ready queues, key queues, counts and timers are not stored: they are rebuilt from the entries
 * in id order, which is exactly the order they were built in.
 */
final class SnapshotCodec {
    private static final byte[] MAGIC = "SPOOLSNP".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 8;
    /** The first version that stores the default group's push configuration. */
    private static final int VERSION_DEFAULT_PUSH = 8;
    /** The first version whose results carry a form byte (sealed or clear). */
    private static final int VERSION_SEALED = 7;
    /** The first version with push configurations (each group's). */
    private static final int VERSION_PUSH = 6;
    /** The first version with the lock section. */
    private static final int VERSION_LOCKS = 5;
    /** The last version without the lock section; still read. */
    private static final int VERSION_NO_LOCKS = 4;

    private SnapshotCodec() {
    }

    /** The state as bytes, CRC included. */
    static Batch encode(StateMachine sm, long position, long time) {
        Batch b = new Batch();
        b.putBytes(MAGIC);
        b.putInt(VERSION);
        b.putLong(position);
        b.putLong(time);
        b.putLong(sm.ids.last());
        b.putInt(sm.lastQid);
        b.putInt(sm.queues.size());
        Map<TaskResult, Integer> results = new IdentityHashMap<>();
        for (QueueState q : sm.queues.values()) {
            encodeQueue(b, q, results, sm.atRest);
        }
        int countPos = b.position();
        b.putInt(0);
        int[] dedups = new int[1];
        sm.dedup.forEach((k, v) -> {
            if (sm.byId.containsKey(k.qid())) {
                b.putInt(k.qid());
                b.putString(k.id());
                b.putLong(v[0]);
                b.putLong(v[1]);
                dedups[0]++;
            }
        });
        b.buf.putInt(countPos, dedups[0]);
        encodeAttributes(b, sm);
        encodeLocks(b, sm.locks);
        b.putInt(sm.tokens.size());
        for (AccessToken t : sm.tokens.values()) {
            Codec.putToken(b, t);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.buf.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b;
    }

    private static void encodeLocks(Batch b, LockTable locks) {
        b.putInt(locks.byName.size());
        for (LockEntry l : locks.byName.values()) {
            b.putString(l.name);
            b.putLong(l.lastToken);
            b.putLong(l.lastVersion);
            b.putByte(l.held() ? 1 : 0);
            if (l.held()) {
                b.putString(l.leaseId);
                b.putLong(l.token);
                b.putString(l.owner);
                b.putLong(l.acquiredAt);
                b.putLong(l.expiresAt);
            }
            b.putByte(l.doc == null ? 0 : 1);
            if (l.doc != null) {
                b.putLong(l.doc.id);
                b.putLong(l.docToken);
                b.putLong(l.docUpdatedAt);
                b.putString(l.docContentType);
                b.putLong(l.docSize);
                b.putLong(l.doc.location);
                b.putInt(l.doc.storedBytes);
            }
        }
    }

    private static void decodeLocks(RecordIn in, LockTable locks) {
        int n = in.getInt();
        for (int i = 0; i < n; i++) {
            LockEntry l = new LockEntry(in.getString());
            l.lastToken = in.getLong();
            long lastVersion = in.getLong();
            if (in.get() != 0) {
                l.leaseId = in.getString();
                l.token = in.getLong();
                l.owner = in.getString();
                l.acquiredAt = in.getLong();
                l.expiresAt = in.getLong();
            }
            if (in.get() != 0) {
                long version = in.getLong();
                long token = in.getLong();
                long updatedAt = in.getLong();
                String contentType = in.getString();
                long size = in.getLong();
                locks.putState(l, version, null, contentType, size, token, updatedAt);
                l.doc.location = in.getLong();
                l.doc.storedBytes = in.getInt();
            }
            l.lastVersion = lastVersion;
            locks.restored(l);
        }
    }

    private static void encodeQueue(Batch b, QueueState q, Map<TaskResult, Integer> results, AtRestCodec atRest) {
        b.putInt(q.qid);
        b.putString(q.name);
        b.putLong(q.createdAt);
        Codec.putConfig(b, q.config);
        b.putLong(q.defaultGroup.deadCount);
        b.putString(q.defaultGroup.push);
        b.putInt(q.lastGid);
        b.putInt(q.groups.size());
        for (GroupState g : q.groups.values()) {
            b.putInt(g.gid);
            b.putString(g.name);
            Codec.putStart(b, g.start);
            b.putLong(g.createdAt);
            b.putLong(g.deadCount);
            b.putString(g.push);
        }
        b.putInt(q.msgs.size());
        List<GroupState> named = new ArrayList<>(q.groups.values());
        q.msgs.forEachValue(m -> encodeMsg(b, m, named, results, atRest));
    }

    private static void encodeMsg(Batch b, Msg m, List<GroupState> named, Map<TaskResult, Integer> results,
            AtRestCodec atRest) {
        b.putLong(m.id);
        b.putByte(m.priority);
        b.putString(m.key);
        b.putLong(m.expiresAt);
        b.putLong(m.location);
        b.putInt(m.storedBytes);
        b.putInt(m.pendingGroups);
        b.putLong(m.doneAt());
        b.putLong(m.keepUntil());
        DeadSource s = m.source();
        b.putByte(s == null ? 0 : 1);
        if (s != null) {
            b.putString(s.queue());
            b.putString(s.group());
            b.putLong(s.id());
            b.putString(s.reason());
            b.putInt(s.attempts());
        }
        encodeEntry(b, m, results, atRest);
        int countPos = b.position();
        b.putInt(0);
        int n = 0;
        for (GroupState g : named) {
            GroupEntry e = g.entries.get(m.id);
            if (e != null) {
                b.putInt(g.gid);
                encodeEntry(b, e, results, atRest);
                n++;
            }
        }
        b.buf.putInt(countPos, n);
    }

    private static void encodeEntry(Batch b, Entry e, Map<TaskResult, Integer> results, AtRestCodec atRest) {
        b.putByte(e.state);
        b.putInt(e.attempts);
        b.putLong(e.deadline);
        EntryExtra x = e.extra;
        b.putByte(x == null ? 0 : 1);
        if (x != null) {
            b.putString(x.lastError);
            b.putLong(x.keepUntil);
            if (x.result == null) {
                b.putInt(-1);
                return;
            }
            Integer known = results.get(x.result);
            if (known != null) {
                b.putInt(known);
                return;
            }
            b.putInt(results.size());
            results.put(x.result, results.size());
            b.putString(x.result.contentType());
            byte[] r = x.result.payload().toBytes();
            Msg m = e.msg();
            boolean seal = atRest.sealsResults(m.queue);
            b.putByte(seal ? 1 : 0);
            if (seal) {
                r = atRest.sealResult(m.queue.qid, m.id, r);
            }
            b.putInt(r.length);
            b.putBytes(r);
        }
    }

    /** Loaded state and the journal position it is current at. */
    record Loaded(StateMachine sm, long position) {
    }

    /** Decodes a snapshot; fails if the CRC or the format does not match. */
    static Loaded decode(ByteBuffer buf) {
        return decode(buf, AtRestCodec.NONE);
    }

    /** Decodes a snapshot, opening sealed task results with {@code atRest}. */
    static Loaded decode(ByteBuffer buf, AtRestCodec atRest) {
        int n = buf.limit();
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, n - 4);
        if ((int) crc.getValue() != buf.getInt(n - 4)) {
            throw new IllegalStateException("snapshot CRC32C mismatch");
        }
        buf.limit(n - 4);
        RecordIn in = new RecordIn.OfBuffer(buf);
        byte[] magic = in.getBytes(MAGIC.length);
        int version = java.util.Arrays.equals(magic, MAGIC) ? in.getInt() : -1;
        if (version < VERSION_NO_LOCKS || version > VERSION) {
            throw new IllegalStateException("not a version " + VERSION_NO_LOCKS + " to " + VERSION + " snapshot");
        }
        long position = in.getLong();
        long time = in.getLong();
        StateMachine sm = new StateMachine(time);
        sm.atRest = atRest;
        sm.listener = new Replayer(sm);
        sm.ids.resumeAfter(in.getLong());
        sm.lastQid = in.getInt();
        int queues = in.getInt();
        List<TaskResult> results = new ArrayList<>();
        for (int i = 0; i < queues; i++) {
            decodeQueue(in, sm, results, version);
        }
        int dedups = in.getInt();
        for (int i = 0; i < dedups; i++) {
            sm.dedup.remember(in.getInt(), in.getString(), in.getLong(), in.getLong());
        }
        if (version >= VERSION_LOCKS) {
            decodeAttributes(in, sm);
            decodeLocks(in, sm.locks);
        } else if (buf.hasRemaining()) {
            decodeAttributes(in, sm);
        }
        if (buf.hasRemaining()) {
            int tokens = in.getInt();
            for (int i = 0; i < tokens; i++) {
                sm.putToken(Codec.getToken(in));
            }
        }
        return new Loaded(sm, position);
    }

    private static void encodeAttributes(Batch b, StateMachine sm) {
        int countPos = b.position();
        b.putInt(0);
        int n = 0;
        for (QueueState q : sm.queues.values()) {
            if (!q.config.attributes().isEmpty()) {
                b.putInt(q.qid);
                Codec.putAttributes(b, q.config.attributes());
                n++;
            }
        }
        b.buf.putInt(countPos, n);
    }

    private static void decodeAttributes(RecordIn in, StateMachine sm) {
        int n = in.getInt();
        for (int i = 0; i < n; i++) {
            QueueState q = sm.byId.get(in.getInt());
            Map<String, String> attributes = Codec.getAttributes(in);
            if (q == null) {
                throw new IllegalStateException("attributes of a queue the snapshot does not hold");
            }
            q.config = q.config.withAttributes(attributes);
        }
    }

    private static void decodeQueue(RecordIn in, StateMachine sm, List<TaskResult> results, int version) {
        QueueState q = sm.createQueue(in.getInt(), in.getString(), null, in.getLong());
        q.config = Codec.getConfig(in);
        q.defaultGroup.deadCount = in.getLong();
        q.defaultGroup.push = version >= VERSION_DEFAULT_PUSH ? in.getString() : null;
        q.lastGid = in.getInt();
        int groups = in.getInt();
        Map<Integer, GroupState> byGid = new HashMap<>();
        for (int i = 0; i < groups; i++) {
            GroupState g = new GroupState(q, in.getInt(), in.getString(), Codec.getStart(in), 0);
            GroupState withTime = new GroupState(q, g.gid, g.name, g.start, in.getLong());
            withTime.deadCount = in.getLong();
            withTime.push = version >= VERSION_PUSH ? in.getString() : null;
            q.groups.put(withTime.name, withTime);
            byGid.put(withTime.gid, withTime);
        }
        Map<GroupState, List<Entry>> entries = new HashMap<>();
        entries.put(q.defaultGroup, new ArrayList<>());
        int msgs = in.getInt();
        for (int i = 0; i < msgs; i++) {
            Msg m = new Msg(in.getLong(), q, in.get(), in.getString(), in.getLong());
            m.location = in.getLong();
            m.storedBytes = in.getInt();
            m.pendingGroups = in.getInt();
            m.doneAt(in.getLong());
            m.keepUntil(in.getLong());
            if (in.get() != 0) {
                m.source(new DeadSource(in.getString(), in.getString(), in.getLong(), in.getString(), in.getInt()));
            }
            decodeEntry(in, m, results, sm, version);
            q.msgs.put(m.id, m);
            entries.get(q.defaultGroup).add(m);
            int named = in.getInt();
            for (int k = 0; k < named; k++) {
                GroupState g = byGid.get(in.getInt());
                GroupEntry e = new GroupEntry(m, g);
                decodeEntry(in, e, results, sm, version);
                g.entries.put(m.id, e);
                entries.computeIfAbsent(g, x -> new ArrayList<>()).add(e);
            }
        }
        for (Map.Entry<GroupState, List<Entry>> ge : entries.entrySet()) {
            rebuild(sm, ge.getKey(), ge.getValue());
        }
        q.msgs.forEachValue(m -> {
            if (m.pendingGroups == 0) {
                sm.timers.schedule(m, Math.max(m.doneAt() + q.config.retentionMs(), m.keepUntil()));
            }
        });
    }

    private static void decodeEntry(RecordIn in, Entry e, List<TaskResult> results, StateMachine sm, int version) {
        e.state = in.get();
        e.attempts = in.getInt();
        e.deadline = in.getLong();
        if (in.get() != 0) {
            EntryExtra x = e.extra();
            x.lastError = in.getString();
            x.keepUntil = in.getLong();
            int r = in.getInt();
            if (r == results.size()) {
                String ct = in.getString();
                boolean sealed = version >= VERSION_SEALED && in.get() != 0;
                byte[] bytes = in.getBytes(in.getInt());
                if (sealed) {
                    Msg m = e.msg();
                    bytes = sm.atRest.openResult(m.queue.qid, m.id, bytes);
                }
                results.add(new TaskResult(Payload.of(bytes), ct));
            } else if (r > results.size() || r < -1) {
                throw new IllegalStateException("snapshot entry names result " + r + " of " + results.size());
            }
            x.result = r < 0 ? null : results.get(r);
            if (x.result != null) {
                sm.results.stored(e, x.result, x.keepUntil, Long.MIN_VALUE);
            }
        }
    }

    /** Rebuilds a group's ready queues, key queues, counts and timers from its entries. */
    private static void rebuild(StateMachine sm, GroupState g, List<Entry> entries) {
        entries.sort(Comparator.comparingLong(Entry::id));
        for (Entry e : entries) {
            Msg m = e.msg();
            if (!e.isTerminal() && m.key != null) {
                KeyQueue kq = g.keys.get(m.key);
                if (kq == null) {
                    g.keys.put(m.key, new KeyQueue(e));
                } else {
                    kq.append(e);
                }
            }
            switch (e.state) {
                case Entry.READY -> {
                    g.readyCount++;
                    g.fileReady(e, true);
                    sm.timers.schedule(e, m.expiresAt);
                }
                case Entry.DELAYED -> {
                    g.delayedCount++;
                    sm.timers.schedule(e, e.deadline);
                }
                case Entry.BLOCKED -> g.delayedCount++;
                case Entry.IN_FLIGHT -> {
                    g.inFlightCount++;
                    sm.timers.schedule(e, e.deadline);
                }
                default -> {
                }
            }
        }
    }
}
