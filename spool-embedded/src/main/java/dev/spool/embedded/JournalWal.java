package dev.spool.embedded;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.AccessToken;
import dev.spool.api.MessageBody;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;
import dev.spool.api.TaskResult;

/**
 * The engine thread's side of the journal: encodes each change into the open {@link Batch}
 * (framing, positions, segment rolls and held replies are in {@link JournalFraming}), feeds the
 * {@link PayloadCache}, reads bodies back from segments, and counts the live bytes of every
 * segment for compaction.
 */
final class JournalWal extends JournalFraming implements Wal {
    private static final Logger LOG = LoggerFactory.getLogger(JournalWal.class);
    private final PayloadCache cache;
    private final AtRestCodec atRest;

    private int pushCountPos;
    private int pushCount;
    private int pushRecStart;

    private final Map<Long, FileChannel> readers = new HashMap<>();

    JournalWal(JournalWriter writer, Path dir, EmbeddedConfig config, long segment, long offset, Space space,
            AtRestCodec atRest) {
        super(writer, dir, config.segmentBytes(), segment, offset, space);
        this.atRest = atRest;
        this.cache = new PayloadCache(config.payloadCacheBytes());
    }

    // ---- records ----

    @Override
    public void queuePut(QueueState q, long now) {
        Map<String, String> attributes = q.config.attributes();
        if (!attributes.isEmpty()) {
            txBegin(now);
        }
        begin(RecordType.QUEUE_PUT, now);
        open.putInt(q.qid);
        open.putString(q.name);
        open.putLong(q.createdAt);
        Codec.putConfig(open, q.config);
        end();
        if (!attributes.isEmpty()) {
            begin(RecordType.QUEUE_ATTRS, now);
            open.putInt(q.qid);
            Codec.putAttributes(open, attributes);
            end();
            txEnd();
        }
    }

    @Override
    public void queueDelete(QueueState q, long now) {
        begin(RecordType.QUEUE_DELETE, now);
        open.putInt(q.qid);
        end();
    }

    @Override
    public void queuePurge(QueueState q, long now) {
        begin(RecordType.QUEUE_PURGE, now);
        open.putInt(q.qid);
        end();
    }

    @Override
    public void groupPut(GroupState g, long now) {
        begin(RecordType.GROUP_PUT, now);
        open.putInt(g.queue.qid);
        open.putInt(g.gid);
        open.putString(g.name);
        Codec.putStart(open, g.start);
        open.putLong(g.createdAt);
        end();
    }

    @Override
    public void groupPush(GroupState g, long now) {
        begin(RecordType.GROUP_PUSH, now);
        open.putInt(g.queue.qid);
        open.putInt(g.gid);
        open.putString(g.push);
        end();
    }

    @Override
    public void groupDelete(GroupState g, long now) {
        begin(RecordType.GROUP_DELETE, now);
        open.putInt(g.queue.qid);
        open.putInt(g.gid);
        end();
    }

    @Override
    public void tokenPut(AccessToken t, long now) {
        begin(RecordType.TOKEN_PUT, now);
        Codec.putToken(open, t);
        end();
    }

    @Override
    public void tokenRevoke(String id, long now) {
        begin(RecordType.TOKEN_REVOKE, now);
        open.putString(id);
        end();
    }

    @Override
    public void pushBegin(QueueState q, int targetGid, long now) {
        begin(RecordType.PUSH, now);
        pushRecStart = depth == 0 ? recStart : nestedStart;
        open.putInt(q.qid);
        open.putInt(targetGid);
        pushCountPos = open.position();
        open.putInt(0);
        pushCount = 0;
    }

    @Override
    public void pushEntry(Msg m, long readyAt, String dedupId, long dedupUntil) {
        appendEntry(m, m.body, readyAt, dedupId, dedupUntil, true);
        pushCount++;
    }

    private void appendEntry(Msg m, MessageBody body, long readyAt, String dedupId, long dedupUntil,
            boolean cacheIt) {
        long loc = position();
        Payload p = body.payload();
        Payload sealed = atRest.seals(m) ? atRest.seal(m, p) : null;
        int length = EntryCodec.encode(open, m, body, readyAt, dedupId, dedupUntil, sealed);
        m.location = loc;
        m.storedBytes = length;
        space.add(JournalPos.segment(loc), length);
        if (p instanceof Payload.Inline) {
            if (cacheIt) {
                cache.add(m);
            }
        } else {
            long stored = sealed != null ? sealed.size() : p.size();
            long payloadAt = JournalPos.offset(loc) + length - stored;
            Payload region = new Payload.FileRegion(Segments.path(dir, JournalPos.segment(loc)), payloadAt, stored);
            m.body = new MessageBody(sealed != null ? atRest.openedView(m, region, p.size()) : region,
                    body.contentType(), body.headers(), body.key(), body.priority(), body.traceparent());
        }
    }

    @Override
    public void pushEnd() {
        if (pushCount == 0) {
            discard(pushRecStart);
            return;
        }
        open.buf.putInt(pushCountPos, pushCount);
        end();
    }

    @Override
    public void deliver(GroupState g, long leaseUntil, Entry[] entries, int count, long now) {
        begin(RecordType.DELIVER, now);
        open.putInt(g.queue.qid);
        open.putInt(g.gid);
        open.putLong(leaseUntil);
        open.putInt(count);
        open.ensure(8 * count);
        for (int i = 0; i < count; i++) {
            open.buf.putLong(entries[i].id());
        }
        end();
    }

    @Override
    public void ack(GroupState g, long[] ids, int count, TaskResult result, long now) {
        begin(RecordType.ACK, now);
        open.putInt(g.queue.qid);
        open.putInt(g.gid);
        putIds(ids, count);
        if (result == null) {
            open.putByte(0);
        } else {
            // form 2: the result is sealed (RecordType javadoc)
            boolean seal = atRest.sealsResults(g.queue) && count > 0;
            open.putByte(seal ? 2 : 1);
            open.putString(result.contentType());
            byte[] bytes = result.payload().toBytes();
            if (seal) {
                bytes = atRest.sealResult(g.queue.qid, ids[0], bytes);
            }
            open.putInt(bytes.length);
            open.putBytes(bytes);
        }
        end();
    }

    @Override
    public void nack(GroupState g, long[] ids, long[] readyAts, int count, String reason, long now) {
        begin(RecordType.NACK, now);
        open.putInt(g.queue.qid);
        open.putInt(g.gid);
        open.putString(reason);
        open.putInt(count);
        open.ensure(16 * count);
        for (int i = 0; i < count; i++) {
            open.buf.putLong(ids[i]);
            open.buf.putLong(readyAts[i]);
        }
        end();
    }

    @Override
    public void extend(GroupState g, long[] ids, int count, long leaseUntil, long now) {
        begin(RecordType.EXTEND, now);
        open.putInt(g.queue.qid);
        open.putInt(g.gid);
        open.putLong(leaseUntil);
        putIds(ids, count);
        end();
    }

    @Override
    public void kill(Entry e, String reason, long now) {
        begin(RecordType.KILL, now);
        open.putInt(e.msg().queue.qid);
        open.putInt(e.group().gid);
        open.putLong(e.id());
        open.putString(reason);
        end();
    }

    @Override
    public void remove(QueueState q, long[] ids, int count, long now) {
        begin(RecordType.REMOVE, now);
        open.putInt(q.qid);
        putIds(ids, count);
        end();
    }

    /** Re-writes a live message at the head of the journal so its old segment can go. */
    void relocate(Msg m, long now) {
        boolean cached = m.body != null;
        MessageBody body;
        try {
            body = body(m);
        } catch (SpoolException e) {
            // never copy damaged bytes forward under a fresh CRC: the message and its segment stay
            LOG.error("not compacting message {}: {}", dev.spool.api.MessageIds.format(m.id), e.getMessage());
            return;
        }
        space.remove(JournalPos.segment(m.location), m.storedBytes);
        begin(RecordType.RELOCATE, now);
        open.putInt(m.queue.qid);
        appendEntry(m, body, 0, null, 0, false);
        end();
        if (!cached && body.payload() instanceof Payload.Inline) {
            // its new location is not in the file until this batch is written: until then pops
            // read the payload from the cache, which keeps it until that position is durable
            m.body = body;
            cache.add(m);
        }
    }

    // ---- locks ----

    @Override
    public void lockAcquire(LockEntry l, long now) {
        begin(RecordType.LOCK_ACQUIRE, now);
        open.putString(l.name);
        open.putString(l.leaseId);
        open.putLong(l.token);
        open.putString(l.owner);
        open.putLong(l.expiresAt);
        end();
    }

    @Override
    public void lockKeepalive(LockEntry l, long now) {
        begin(RecordType.LOCK_KEEPALIVE, now);
        open.putString(l.name);
        open.putLong(l.token);
        open.putLong(l.expiresAt);
        end();
    }

    @Override
    public void lockRelease(LockEntry l, long token, long now) {
        begin(RecordType.LOCK_RELEASE, now);
        open.putString(l.name);
        open.putLong(token);
        end();
    }

    @Override
    public void lockStatePut(LockEntry l, long now) {
        begin(RecordType.LOCK_STATE_PUT, now);
        open.putString(l.name);
        open.putLong(l.doc.id);
        open.putLong(l.docToken);
        open.putString(l.docContentType);
        open.putLong(l.docSize);
        appendEntry(l.doc, l.doc.body, l.docUpdatedAt, null, 0, true);
        end();
    }

    @Override
    public void lockStateDelete(LockEntry l, long version, long now) {
        begin(RecordType.LOCK_STATE_DELETE, now);
        open.putString(l.name);
        open.putLong(version);
        end();
    }

    /** Re-writes a lock's live state document at the head of the journal so its old segment can go. */
    void relocateLockState(LockEntry l, long now) {
        Msg m = l.doc;
        boolean cached = m.body != null;
        MessageBody body;
        try {
            body = body(m);
        } catch (SpoolException e) {
            LOG.error("not compacting the state of lock {}: {}", l.name, e.getMessage());
            return;
        }
        space.remove(JournalPos.segment(m.location), m.storedBytes);
        begin(RecordType.LOCK_STATE_RELOCATE, now);
        open.putString(l.name);
        appendEntry(m, body, l.docUpdatedAt, null, 0, false);
        end();
        if (!cached && body.payload() instanceof Payload.Inline) {
            m.body = body;
            cache.add(m);
        }
    }

    // ---- bodies and the payload cache ----

    @Override
    public MessageBody body(Msg m) {
        MessageBody b = m.body;
        // a payload on the heap is returned as is; one in the journal is read (and checked) again,
        // unless its record is not surely in the file yet (then it is the upload just pushed)
        if (b != null && (b.payload() instanceof Payload.Inline || m.location >= writer.durable())) {
            return b;
        }
        long seg = JournalPos.segment(m.location);
        try {
            FileChannel ch = readers.get(seg);
            if (ch == null) {
                ch = FileChannel.open(Segments.path(dir, seg), StandardOpenOption.READ);
                readers.put(seg, ch);
            }
            Path file = Segments.path(dir, seg);
            long offset = JournalPos.offset(m.location);
            EntryCodec.Meta meta = EntryCodec.read(ch, file, offset, m.storedBytes);
            if (meta.id() != m.id) {
                throw new SpoolException(dev.spool.api.ErrorCode.CORRUPT, "journal corruption: the entry at offset "
                        + offset + " of segment " + file + " is not message " + dev.spool.api.MessageIds.format(m.id));
            }
            // a lock state document whose entry carries its lock's name (format 4) is bound to that name
            return meta.sealed() ? atRest.open(m, meta.key() != null, meta.body(), "the entry at offset " + offset
                    + " of segment " + file) : meta.body();
        } catch (SpoolException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw SpoolException.unavailable("reading message " + dev.spool.api.MessageIds.format(m.id)
                    + " from the journal failed: " + e.getMessage(), e);
        }
    }

    /** Closes the read channel of a segment about to be deleted. */
    void closeReader(long seg) {
        FileChannel ch = readers.remove(seg);
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing more to read from it
            }
        }
    }

    long cacheBytes() {
        return cache.bytes();
    }

    @Override
    public void deleted(Msg m) {
        space.remove(JournalPos.segment(m.location), m.storedBytes);
        cache.deleted(m);
    }

    @Override
    public void housekeeping(long now) {
        cache.trim(writer.durable());
        space.housekeeping(now);
    }

    @Override
    public long nextHousekeeping() {
        return space.nextWork();
    }

    @Override
    public void close() {
        for (FileChannel ch : readers.values()) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        readers.clear();
        space.close();
    }
}
