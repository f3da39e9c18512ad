package dev.spool.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the journal's disk use proportional to live data. Engine thread only.
 *
 * <p>Every segment's live bytes are the sizes of the message entries and lock state documents it
 * holds that are still in the state. The two newest snapshots are kept, and the journal is kept from the older one, so
 * either can rebuild the state. After each snapshot is forced and verified: a segment before the
 * older kept snapshot with no live bytes is deleted, and one that is less than half live is
 * compacted — its live messages are re-written at the head of the journal (RELOCATE records) —
 * and deleted after a later snapshot. A segment is deleted only once the journal is forced past
 * the records that emptied it (else a power loss could bring back a message whose payload is
 * gone), and never after the writer failed. Snapshots are taken when the journal
 * grew by {@code snapshotEveryBytes}, or at a segment roll when the state is small next to the
 * journal written since the last one; so a steady workload keeps about two segments plus its live
 * data on disk.
 */
final class Space {
    private static final Logger LOG = LoggerFactory.getLogger(Space.class);
    /** A deleted segment's file stays this long, for readers that opened a payload from it. */
    static volatile long deleteGraceMs = 2_000;
    private static final long SNAPSHOT_BYTES_PER_MESSAGE = 80;

    private final Journal journal;
    private final EmbeddedConfig config;
    /** Live bytes per segment number (a one-element array, so an update is one lookup). */
    private final LongObjectMap<long[]> live = new LongObjectMap<>(16);
    private final TreeSet<Long> segments = new TreeSet<>();
    private final Set<Long> deleting = new HashSet<>();
    /** Segments waiting to be deleted: {segment, not before (ms), forced position required}. */
    private final List<long[]> pendingDeletes = new ArrayList<>();
    private StateMachine sm;
    private JournalWal wal;
    private long lastSnapshot;
    private long cutoff;
    private boolean snapshotRunning;
    private boolean rolledSinceSnapshot;
    /** A failed snapshot is retried no sooner than this (ms), with a growing pause. */
    private long nextSnapshotAttempt;
    private long snapshotBackoffMs;
    /** The outcome of the running snapshot, handed over by the snapshot thread: {position, ok}. */
    private volatile long[] finished;
    private long lastNow;
    /** Segments below this one may hold records sealed under an older key (KeyMarker); 0: none. */
    private long rekeyBefore;

    Space(Journal journal, EmbeddedConfig config) {
        this.journal = journal;
        this.config = config;
    }

    void attach(StateMachine sm, JournalWal wal, long lastSnapshot, long cutoff, List<Long> existing) {
        this.sm = sm;
        this.wal = wal;
        this.lastSnapshot = lastSnapshot;
        this.cutoff = cutoff;
        segments.addAll(existing);
        segments.add(wal.segment());
        sm.queues.values().forEach(q -> q.msgs.forEachValue(m -> add(JournalPos.segment(m.location), m.storedBytes)));
        for (LockEntry l : sm.locks.byName.values()) {
            if (l.doc != null) {
                add(JournalPos.segment(l.doc.location), l.doc.storedBytes);
            }
        }
    }

    /** After a key rotation: compacts every live segment below {@code segment}, re-encrypting what it moves. */
    void rekeyBefore(long segment) {
        this.rekeyBefore = segment;
    }

    /** Whether segments written before the active key came in still exist (they may use older keys). */
    boolean olderKeysLive() {
        return rekeyBefore > 0;
    }

    void add(long segment, long bytes) {
        long[] v = live.get(segment);
        if (v == null) {
            v = new long[1];
            live.put(segment, v);
        }
        v[0] += bytes;
    }

    void remove(long segment, long bytes) {
        long[] v = live.get(segment);
        if (v != null) {
            v[0] -= bytes;
            if (v[0] <= 0) {
                live.remove(segment);
            }
        }
    }

    long liveBytes(long segment) {
        long[] v = live.get(segment);
        return v == null ? 0 : v[0];
    }

    void rolled(long segment) {
        segments.add(segment);
        rolledSinceSnapshot = true;
    }

    /** Segments that exist on disk (or are being written), oldest first. */
    List<Long> segments() {
        return new ArrayList<>(segments);
    }

    void housekeeping(long now) {
        lastNow = now;
        long[] f = finished;
        if (f != null) {
            finished = null;
            snapshotWritten(f[0], f[1] != 0, now);
        }
        if (!pendingDeletes.isEmpty()) {
            deleteDue(now);
        }
        if (!snapshotRunning && wal != null && now >= nextSnapshotAttempt && snapshotDue()) {
            takeSnapshot(now);
        }
    }

    long nextWork() {
        long next = Long.MAX_VALUE;
        for (long[] p : pendingDeletes) {
            // waiting for the journal to be forced far enough: look again shortly
            next = Math.min(next, wal.forced() >= p[2] ? p[1] : Math.max(p[1], lastNow + 10));
        }
        if (!snapshotRunning && nextSnapshotAttempt > 0 && snapshotDue()) {
            next = Math.min(next, nextSnapshotAttempt);
        }
        return next;
    }

    private boolean snapshotDue() {
        long since = distance(lastSnapshot, wal.position());
        if (since >= config.snapshotEveryBytes()) {
            return true;
        }
        if (!rolledSinceSnapshot) {
            return false;
        }
        long messages = 0;
        for (QueueState q : sm.queues.values()) {
            messages += q.msgs.size();
        }
        return messages * SNAPSHOT_BYTES_PER_MESSAGE + 4096 <= since / 2;
    }

    private long distance(long from, long to) {
        long segs = JournalPos.segment(to) - JournalPos.segment(from);
        return segs * config.segmentBytes() + JournalPos.offset(to) - JournalPos.offset(from);
    }

    /** Serializes the state now and lets the snapshot thread write it once the journal caught up. */
    void takeSnapshot(long now) {
        long pos = wal.position();
        Batch bytes = SnapshotCodec.encode(sm, pos, now);
        snapshotRunning = true;
        rolledSinceSnapshot = false;
        journal.writeSnapshot(bytes, pos);
    }

    /** From the snapshot thread: the snapshot at {@code pos} is written and verified, or failed. */
    void snapshotFinished(long pos, boolean ok) {
        finished = new long[] {pos, ok ? 1 : 0};
    }

    /** On the engine thread once the snapshot at {@code pos} is forced and verified (or failed). */
    void snapshotWritten(long pos, boolean ok, long now) {
        snapshotRunning = false;
        if (!ok) {
            snapshotBackoffMs = Math.min(60_000, Math.max(1_000, snapshotBackoffMs * 2));
            nextSnapshotAttempt = now + snapshotBackoffMs;
            return;
        }
        snapshotBackoffMs = 0;
        nextSnapshotAttempt = 0;
        lastSnapshot = pos;
        cutoff = journal.keepSnapshots(pos);
        reclaim(JournalPos.segment(cutoff), now);
    }

    /** Whether a snapshot is being written. */
    boolean snapshotRunning() {
        return snapshotRunning;
    }

    /** Deletes dead segments before {@code cutoffSegment} and compacts mostly-dead ones. */
    void reclaim(long cutoffSegment, long now) {
        if (wal.failed()) {
            return;
        }
        Set<Long> compact = new HashSet<>();
        long emptiedBy = wal.position();
        for (long seg : segments.headSet(cutoffSegment)) {
            if (deleting.contains(seg) || seg == wal.segment()) {
                continue;
            }
            long liveBytes = liveBytes(seg);
            if (liveBytes == 0) {
                deleting.add(seg);
                pendingDeletes.add(new long[] {seg, now + deleteGraceMs, emptiedBy});
                wal.requestForce(emptiedBy);
            } else if (liveBytes < fileSize(seg) / 2 || seg < rekeyBefore) {
                compact.add(seg);
            }
        }
        if (!compact.isEmpty()) {
            relocate(compact, now);
        }
    }

    private long fileSize(long seg) {
        try {
            return Files.size(Segments.path(wal.dir(), seg));
        } catch (IOException e) {
            return 0;
        }
    }

    private void relocate(Set<Long> from, long now) {
        List<Msg> moving = new ArrayList<>();
        for (QueueState q : sm.queues.values()) {
            q.msgs.forEachValue(m -> {
                if (from.contains(JournalPos.segment(m.location))) {
                    moving.add(m);
                }
            });
        }
        moving.sort((a, b) -> Long.compare(a.location, b.location));
        for (Msg m : moving) {
            wal.relocate(m, now);
        }
        int states = 0;
        for (LockEntry l : sm.locks.byName.values()) {
            if (l.doc != null && from.contains(JournalPos.segment(l.doc.location))) {
                wal.relocateLockState(l, now);
                states++;
            }
        }
        LOG.debug("compacted segments {}: moved {} messages and {} lock states", from, moving.size(), states);
    }

    private void deleteDue(long now) {
        if (wal.failed()) {
            return;
        }
        long forced = wal.forced();
        for (int i = pendingDeletes.size() - 1; i >= 0; i--) {
            long[] p = pendingDeletes.get(i);
            if (p[1] <= now && p[2] <= forced) {
                pendingDeletes.remove(i);
                wal.closeReader(p[0]);
                journal.deleteSegment(p[0]);
                segments.remove(p[0]);
                deleting.remove(p[0]);
            }
        }
        if (rekeyBefore > 0 && (segments.isEmpty() || segments.first() >= rekeyBefore)) {
            LOG.info("every segment written before the active encryption key is gone: older keys are no longer "
                    + "used by this journal");
            rekeyBefore = 0;
        }
    }

    void close() {
        // pending deletions are redone after the next recovery
    }
}
