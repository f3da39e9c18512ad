package dev.spool.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.Instrumentation;
import dev.spool.api.Payload;

/**
 * The journal writer thread: takes sealed {@link Batch}es from the engine, fills in each record's
 * CRC32C, writes them to the current segment (a spliced payload copied in from its file without
 * being read here, its known CRC combined into the record's: {@link #copyPayload}), forces them to
 * disk per the {@link FsyncPolicy}, then completes the replies that waited for them ({@link Replies}:
 * on a thread of its own for large groups, so that their callbacks do not hold back the next write
 * and force). Every batch queued while an fsync ran is written before the next one, so one fsync
 * covers them all.
 *
 * <p>Two positions are kept apart: {@link #durable()}, up to which replies complete (written under
 * {@code interval} and {@code never}, forced under {@code always}), and {@link #forced()}, up to
 * which the bytes are on the disk and survive a power loss. Snapshots and segment deletion work
 * only from the forced position, so a power loss can cost the unforced end of the journal but
 * never older data.
 *
 * <p>Small commits overwrite zeros written ahead of them rather than grow the file ({@link ZerosAhead}).
 *
 * <p>Under {@code always}, a group whose replies all completed early (pops of messages whose pushes
 * are already forced: lease records only, see {@link #completeEarly}) or are unawaited (acks whose
 * sender asked for no reply, {@link Batch#addUnawaitedReply}) is written but not forced: the force
 * of the next group covers it, or an idle force at most {@value #EARLY_FORCE_DELAY_MS} ms after
 * the oldest such group was written; its unawaited replies complete with that force. A consumer
 * that takes a message and acks it and a producer that pushes the next one then wait for one fsync
 * per round instead of two or three. {@link #durable()} stays at the forced position, so no later
 * reply completes before these records are forced.
 *
 * <p>A failed write or fsync leaves the segment in an unknown state: the writer stops for good,
 * fails the replies of what it could not make durable, and the journal refuses further work
 * until the process restarts and recovery truncates the tail.
 */
final class JournalWriter implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(JournalWriter.class);
    private static final int MAX_QUEUED = 256;
    /**
     * Put in the queue by {@link #close()} to wake the writer, never written. An interrupt would do
     * it too, but one that lands while the writer is inside a write or a force closes the segment's
     * channel under it (FileChannel is interruptible), leaving a record half written.
     */
    private static final Batch WAKE = new Batch();
    /** Longest time a written group whose replies all completed early waits for a force. */
    static final int EARLY_FORCE_DELAY_MS = 1;

    private final Path dir;
    private final FsyncPolicy policy;
    private final Instrumentation instrumentation;
    private final ArrayBlockingQueue<Batch> queue = new ArrayBlockingQueue<>(MAX_QUEUED);
    private final ConcurrentLinkedQueue<Batch> free = new ConcurrentLinkedQueue<>();
    /** Completes what the writer made durable, in order, off this thread for large groups. */
    private final Replies replies = new Replies(free);
    private final CRC32C crc = new CRC32C();
    /** The CRC32C of a record with spliced payloads, some of them of known CRC. */
    private final Crc32c.Running recordCrc = new Crc32c.Running();
    private final ByteBuffer crcSlot = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    private final JournalFiles files;
    private FileChannel channel;
    private long segment;
    private final ZerosAhead zeros;
    /** Position up to which replies may complete: written (interval, never) or forced (always). */
    private volatile long durable;
    /** Position up to which every byte was written to the file (writer thread only). */
    private long written;
    /** Position up to which every byte is forced to the disk: what survives a power loss. */
    private volatile long forced;
    /** A force up to this position was asked for (snapshots and segment deletion under interval/never). */
    private volatile long forceWanted;
    private volatile Throwable failure;
    private volatile boolean closing;
    private Thread thread;
    private long lastForce = System.nanoTime();
    private boolean dirty;
    private boolean awaiting; // a caller waits in awaitForced
    /** Under {@code always}: when the oldest group left unforced was written; -1 when there is none. */
    private long unforcedSince = -1;
    /** How long a group whose replies all completed early may stay unforced (tests lengthen it). */
    volatile long earlyForceDelayNanos = TimeUnit.MILLISECONDS.toNanos(EARLY_FORCE_DELAY_MS);
    /** Written groups left unforced, oldest first: their unawaited replies complete with the force. */
    private final List<Batch> unforced = new ArrayList<>();

    JournalWriter(Path dir, EmbeddedConfig config, Instrumentation instrumentation, FileChannel current,
            long segment, long durablePos, JournalFiles files) {
        this.dir = dir;
        this.policy = config.fsync();
        this.instrumentation = instrumentation;
        this.channel = current;
        this.segment = segment;
        this.durable = durablePos;
        this.written = durablePos;
        this.forced = durablePos;
        this.forceWanted = durablePos;
        this.files = files;
        this.zeros = new ZerosAhead(config.segmentBytes(), current);
    }

    void start() {
        replies.start();
        thread = new Thread(this, "spool-journal");
        thread.setDaemon(true);
        thread.start();
    }

    long durable() {
        return durable;
    }

    /** Position up to which every byte is on the disk (survives a power loss), whatever the policy. */
    long forced() {
        return forced;
    }

    /** Asks the writer thread to force everything up to {@code pos} soon, without waiting. */
    void requestForce(long pos) {
        if (pos > forceWanted) {
            forceWanted = pos;
        }
    }

    /**
     * Blocks until everything up to {@code pos} is forced to the disk, asking for the force under
     * {@code interval} and {@code never}; fails if the writer failed or closed first.
     */
    synchronized void awaitForced(long pos) throws InterruptedException, IOException {
        requestForce(pos);
        awaiting = true;
        try {
            while (forced < pos) {
                if (failure != null) {
                    throw new IOException("the journal failed", failure);
                }
                if (closing && queue.isEmpty() && !thread.isAlive()) {
                    throw new IOException("the journal closed before the snapshot position was forced");
                }
                wait(20);
            }
        } finally {
            awaiting = false;
        }
    }

    Throwable failure() {
        return failure;
    }

    Batch freeBatch() {
        Batch b = free.poll();
        return b != null ? b : new Batch();
    }

    /** Queues a sealed batch; blocks while the writer is {@value #MAX_QUEUED} batches behind. */
    void submit(Batch b) {
        Throwable f = failure;
        if (f != null) {
            Replies.failNow(b, f);
            return;
        }
        try {
            queue.put(b);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Replies.failNow(b, e);
        }
    }

    /** Writes what is queued, forces it, and stops the thread. */
    void close() {
        closing = true;
        if (thread != null) {
            // if the queue is full the writer is busy and sees closing once it drained it
            queue.offer(WAKE);
            try {
                thread.join(60_000);
                if (thread.isAlive()) {
                    LOG.warn("the journal writer has not finished its writes after 60 s; interrupting it");
                    thread.interrupt();
                    thread.join(10_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (channel != null && channel.isOpen()) {
                if (failure == null) {
                    channel.force(zeros.cut(channel));
                    settleUnforced(null);
                }
                channel.close();
            }
        } catch (IOException e) {
            LOG.error("closing the journal segment failed", e);
        }
        settleUnforced(failure != null ? failure : new IOException("the journal closed before a force"));
        replies.close();
    }

    @Override
    public void run() {
        List<Batch> group = new ArrayList<>();
        while (true) {
            if (closing && queue.isEmpty()) {
                return;
            }
            Batch first;
            try {
                first = queue.poll(idleWaitNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                first = queue.poll();
                if (first == null && closing) {
                    return;
                }
            }
            if (first == WAKE) {
                continue;
            }
            if (first == null) {
                if (closing && queue.isEmpty()) {
                    return;
                }
                maybeForceIdle();
                continue;
            }
            group.add(first);
            queue.drainTo(group);
            group.remove(WAKE);
            commit(group);
            group.clear();
        }
    }

    /** How long to wait for the next batch before an idle force may be due. */
    private long idleWaitNanos() {
        if (unforcedSince >= 0) {
            return Math.max(0, unforcedSince + earlyForceDelayNanos - System.nanoTime());
        }
        long ms = forceWanted > forced ? 2 : policy instanceof FsyncPolicy.Interval iv ? iv.intervalMs() : 1000;
        return TimeUnit.MILLISECONDS.toNanos(ms);
    }

    private void commit(List<Batch> group) {
        if (failure != null) {
            replies.fail(group, failure);
            return;
        }
        long bytes = 0;
        int requests = 0;
        try {
            zeros.before(channel, Batch.appendedBytes(group));
            for (Batch b : group) {
                write(b);
                bytes += b.buf.position() + b.splicedBytes;
                requests += b.replies.size();
            }
            written = group.get(group.size() - 1).endPos;
            if (policy instanceof FsyncPolicy.Always) {
                if (completeEarly(group) && mayLeaveUnforced()) {
                    // nobody waits for this force: the next group's force, or the idle one, covers it
                    unforced.addAll(group);
                    return;
                }
                long t0 = System.nanoTime();
                channel.force(false);
                instrumentation.onSync(System.nanoTime() - t0, bytes, requests);
                lastForce = System.nanoTime();
                markForced();
            } else {
                dirty = true;
                maybeForceInterval();
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("journal write failed; the journal stops accepting writes until restart", e);
            failure = e;
            settleUnforced(e);
            replies.fail(group, e);
            return;
        }
        synchronized (this) {
            durable = group.get(group.size() - 1).endPos;
            if (awaiting) {
                notifyAll();
            }
        }
        replies.complete(group);
    }

    /** Whether a group may stay unforced: no force was asked for, the oldest unforced one is young. */
    private boolean mayLeaveUnforced() {
        long now = System.nanoTime();
        if (unforcedSince < 0 && forceWanted <= forced) {
            unforcedSince = now;
            return true;
        }
        return forceWanted <= forced && now - unforcedSince < earlyForceDelayNanos;
    }

    private void maybeForceInterval() throws IOException {
        boolean due = policy instanceof FsyncPolicy.Interval iv && dirty
                && System.nanoTime() - lastForce >= TimeUnit.MILLISECONDS.toNanos(iv.intervalMs());
        boolean early = unforcedSince >= 0 && System.nanoTime() - unforcedSince >= earlyForceDelayNanos;
        if (due || early || forceWanted > forced && written > forced) {
            long t0 = System.nanoTime();
            channel.force(false);
            instrumentation.onSync(System.nanoTime() - t0, 0, 0);
            lastForce = System.nanoTime();
            dirty = false;
            markForced();
        }
    }

    /** Everything written is now forced; wakes a snapshot waiting for it, completes unforced groups. */
    private void markForced() {
        unforcedSince = -1;
        synchronized (this) {
            forced = written;
            if (policy instanceof FsyncPolicy.Always) {
                durable = written;
            }
            if (awaiting) {
                notifyAll();
            }
        }
        settleUnforced(null);
    }

    /** Completes the replies of the groups left unforced (now forced), or fails them. */
    private void settleUnforced(Throwable cause) {
        if (unforced.isEmpty()) {
            return;
        }
        if (cause == null) {
            replies.complete(unforced);
        } else {
            replies.fail(unforced, cause);
        }
        unforced.clear();
    }

    private void maybeForceIdle() {
        if (failure != null) {
            return;
        }
        try {
            maybeForceInterval();
        } catch (IOException | RuntimeException e) {
            LOG.error("journal fsync failed; the journal stops accepting writes until restart", e);
            failure = e;
            settleUnforced(e);
        }
    }

    /** Writes one batch: CRCs in place, buffered runs in one write, spliced payloads copied in. */
    private void write(Batch b) throws IOException {
        ByteBuffer buf = b.buf;
        int limit = buf.position();
        int written = 0;
        int nextSplice = 0;
        int nextSwitch = 0;
        for (int r = 0; r < b.records; r++) {
            int start = b.starts[r];
            int end = b.ends[r];
            if (nextSwitch < b.switches.size() && b.switches.get(nextSwitch).at() <= start) {
                written = flush(buf, written, start);
                roll(b.switches.get(nextSwitch++).segment());
            }
            boolean spliced = nextSplice < b.splices.size() && b.splices.get(nextSplice).at() < end;
            if (!spliced) {
                crc.reset();
                crc.update(buf.array(), start, end - 4 - start);
                buf.putInt(end - 4, (int) crc.getValue());
                continue;
            }
            written = flush(buf, written, start);
            recordCrc.reset();
            int pos = start;
            while (nextSplice < b.splices.size() && b.splices.get(nextSplice).at() < end) {
                Batch.Splice s = b.splices.get(nextSplice++);
                writeRun(buf, pos, s.at());
                pos = s.at();
                copyPayload(s);
            }
            writeRun(buf, pos, end - 4);
            crcSlot.clear();
            crcSlot.putInt(0, recordCrc.value());
            writeFully(crcSlot);
            written = end;
        }
        if (nextSwitch < b.switches.size()) {
            written = flush(buf, written, limit);
            while (nextSwitch < b.switches.size()) {
                roll(b.switches.get(nextSwitch++).segment());
            }
        }
        flush(buf, written, limit);
    }

    /** Writes buffer bytes [from, to) without touching the CRC; returns {@code to}. */
    private int flush(ByteBuffer buf, int from, int to) throws IOException {
        if (to > from) {
            writeFully(ByteBuffer.wrap(buf.array(), from, to - from));
        }
        return to;
    }

    /** Writes buffer bytes [from, to) and adds them to the record's CRC. */
    private void writeRun(ByteBuffer buf, int from, int to) throws IOException {
        if (to > from) {
            recordCrc.update(buf.array(), from, to - from);
            writeFully(ByteBuffer.wrap(buf.array(), from, to - from));
        }
    }

    /**
     * Copies a spliced payload into the segment without reading it here: {@link Payload#transferTo}
     * (for a file region {@code FileChannel.transferTo}, a copy inside the kernel), its CRC32C,
     * known since the entry was encoded, combined into the record's. The entry carries the same CRC
     * as its payload CRC, and both are checked whenever the bytes are read back (replay, reads,
     * {@code journal check}), so bytes that differ from what was checksummed are caught there.
     */
    private void copyPayload(Batch.Splice s) throws IOException {
        long start = channel.position();
        long size = s.payload().size();
        s.payload().transferTo(channel);
        long copied = channel.position() - start;
        if (copied != size) {
            throw new IOException("a payload of " + size + " bytes wrote " + copied + " bytes to the segment");
        }
        recordCrc.append(s.crc(), size);
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    private void roll(long next) throws IOException {
        channel.force(zeros.cut(channel));
        channel.close();
        channel = Segments.create(files, dir, next);
        segment = next;
        zeros.reset(channel);
    }

    /**
     * Completes, before the force, the pop replies of a written group whose delivered messages were
     * pushed in records already forced: a process crash keeps the written lease records, a power
     * loss may forget them (the messages are delivered again), and no consumer sees a message whose
     * push could still be lost ({@link Replies#completeEarly}, in order with every other completion).
     * The group's completion later completes them again, which does nothing.
     * True when the group has replies and every one of them either completed here or is unawaited
     * ({@link Batch#addUnawaitedReply}): then nobody waits for its force, which may be left to the
     * next group's or to an idle one ({@link #mayLeaveUnforced}).
     */
    private boolean completeEarly(List<Batch> group) {
        long onDisk = forced;
        boolean all = true;
        int replyCount = 0;
        int earlyCount = 0;
        for (Batch b : group) {
            int early = 0;
            for (int i = 0; i < b.earlies; i++) {
                if (b.earlyNeed[i] <= onDisk) {
                    early++;
                }
            }
            earlyCount += early;
            replyCount += b.replies.size();
            all &= early + b.unawaited == b.replies.size();
        }
        if (earlyCount > 0) {
            replies.completeEarly(group, onDisk, earlyCount);
        }
        return all && replyCount > 0;
    }

    long segment() {
        return segment;
    }
}
