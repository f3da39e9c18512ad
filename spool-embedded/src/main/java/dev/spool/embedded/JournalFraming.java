package dev.spool.embedded;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import dev.spool.api.SpoolException;

/**
 * The framing half of {@link JournalWal}: the open {@link Batch}, journal positions, segment rolls,
 * record and transaction framing, command marks (so a failed command can be rewound), and replies
 * held until their batch is durable. {@link JournalWal} adds the record encodings and reads.
 */
abstract sealed class JournalFraming permits JournalWal {
    final JournalWriter writer;
    final Path dir;
    private final long segmentBytes;
    final Space space;

    Batch open;
    private long segment;
    private long segBase;
    private int bufBase;
    private long splicedBase;
    private long sealedEnd;

    int depth;
    int recStart;
    private long recSpliced;
    private int txCountPos;
    private int txCount;
    int nestedStart;
    private long nestedSpliced;
    /** Where the open batch stood when the current command began (see {@link #markCommand}). */
    private final Batch.Mark mark = new Batch.Mark();
    private long markSegment;
    private long markSegBase;
    private int markBufBase;
    private long markSplicedBase;
    /** A top-level record was begun and not yet ended or discarded. */
    private boolean recordOpen;
    /** Set when a command was abandoned: no more writes until a restart. */
    private Throwable broken;

    JournalFraming(JournalWriter writer, Path dir, long segmentBytes, long segment, long offset, Space space) {
        this.writer = writer;
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.segment = segment;
        this.segBase = offset;
        this.sealedEnd = JournalPos.of(segment, offset);
        this.space = space;
        this.open = writer.freeBatch();
    }

    /** Position at which the next byte will land. */
    long position() {
        return JournalPos.of(segment, logical());
    }

    private long logical() {
        return segBase + (open.position() - bufBase) + (open.splicedBytes - splicedBase);
    }

    long segment() {
        return segment;
    }

    Path dir() {
        return dir;
    }

    // ---- framing ----

    final void begin(int type, long now) {
        checkWriter();
        if (depth == 0) {
            recordOpen = true;
            if (logical() >= segmentBytes) {
                roll();
            }
            recStart = open.position();
            recSpliced = open.splicedBytes;
            open.putInt(0);
            open.putByte(type);
            open.putLong(now);
        } else {
            nestedStart = open.position();
            nestedSpliced = open.splicedBytes;
            open.putInt(0);
            open.putByte(type);
            txCount++;
        }
    }

    final void end() {
        if (depth == 0) {
            recordOpen = false;
            open.putInt(0);
            int length = (int) (open.position() - recStart + open.splicedBytes - recSpliced);
            open.buf.putInt(recStart, length);
            open.markRecord(recStart, open.position());
        } else {
            int length = (int) (open.position() - nestedStart + open.splicedBytes - nestedSpliced);
            open.buf.putInt(nestedStart, length);
        }
    }

    /** Drops the record begun at {@code start} (nothing was spliced into it). */
    final void discard(int start) {
        open.buf.position(start);
        if (depth == 0) {
            recordOpen = false;
        }
        if (depth > 0) {
            txCount--;
        }
    }

    private void roll() {
        segment++;
        bufBase = open.position();
        splicedBase = open.splicedBytes;
        segBase = Segments.HEADER;
        open.switches.add(new Batch.Switch(bufBase, segment));
        space.rolled(segment);
    }

    private void checkWriter() {
        Throwable f = writer.failure();
        if (f != null) {
            throw WriteFailures.failed(f);
        }
        if (broken != null) {
            throw new SpoolException(dev.spool.api.ErrorCode.UNAVAILABLE, "the engine stopped writing after an "
                    + "internal error (" + broken + "); restart the server to rebuild the state from the journal");
        }
    }

    public void markCommand() {
        open.mark(mark);
        markSegment = segment;
        markSegBase = segBase;
        markBufBase = bufBase;
        markSplicedBase = splicedBase;
    }

    public boolean abandonCommand(Throwable cause, boolean expected) {
        boolean unfinished = recordOpen || depth != 0;
        if (expected ? !unfinished : !open.appendedSince(mark) && !unfinished) {
            return false;
        }
        open.rewind(mark, SpoolException.unavailable("the engine failed while applying this request", cause));
        segment = markSegment;
        segBase = markSegBase;
        bufBase = markBufBase;
        splicedBase = markSplicedBase;
        depth = 0;
        txCount = 0;
        recordOpen = false;
        broken = cause;
        return true;
    }

    public String failureReason() {
        Throwable f = writer.failure();
        if (f != null) {
            return "the journal writer failed: " + f;
        }
        return broken != null ? "a request failed half-applied (" + broken + "); writes are refused until restart"
                : null;
    }

    final void putIds(long[] ids, int count) {
        open.putInt(count);
        open.ensure(8 * count);
        for (int i = 0; i < count; i++) {
            open.buf.putLong(ids[i]);
        }
    }

    public void txBegin(long now) {
        if (depth == 0) {
            begin(RecordType.TX, now);
            txCountPos = open.position();
            open.putInt(0);
            txCount = 0;
        }
        depth++;
    }

    public void txEnd() {
        depth--;
        if (depth > 0) {
            return;
        }
        if (txCount == 0) {
            discard(recStart);
            return;
        }
        open.buf.putInt(txCountPos, txCount);
        end();
    }

    // ---- replies and sealing ----

    public <T> void reply(CompletableFuture<T> f, T value) {
        if (open.isEmpty() && writer.durable() >= sealedEnd && writer.failure() == null) {
            f.complete(value);
        } else if (writer.failure() != null && !open.appendedSince(mark)) {
            // a read while writes are refused: it changed nothing, so it needs nothing made durable
            f.complete(value);
        } else {
            open.addReply(f, value);
        }
    }

    public <T> void replyDelivered(CompletableFuture<T> f, T value, long pushedBefore) {
        if (open.isEmpty() || writer.failure() != null) {
            reply(f, value);
        } else {
            open.addEarlyReply(f, value, pushedBefore);
        }
    }

    public <T> void replyUnawaited(CompletableFuture<T> f, T value) {
        if (open.isEmpty() || writer.failure() != null) {
            reply(f, value);
        } else {
            open.addUnawaitedReply(f, value);
        }
    }

    public void fail(CompletableFuture<?> f, Throwable error) {
        if (open.isEmpty() && writer.durable() >= sealedEnd) {
            f.completeExceptionally(error);
        } else {
            open.addFailure(f, error);
        }
    }

    public void seal() {
        if (open.isEmpty()) {
            return;
        }
        long end = position();
        open.endPos = end;
        writer.submit(open);
        sealedEnd = end;
        open = writer.freeBatch();
        segBase = JournalPos.offset(end);
        bufBase = 0;
        splicedBase = 0;
    }

    /** Position up to which every record is durable. */
    long durable() {
        return writer.durable();
    }

    /** Position up to which every record is forced to the disk (survives a power loss). */
    long forced() {
        return writer.forced();
    }

    /** Asks the writer to force up to {@code pos} soon (segment deletion waits for it). */
    void requestForce(long pos) {
        writer.requestForce(pos);
    }

    /** Whether the writer failed or a command was abandoned: nothing more is written or reclaimed. */
    boolean failed() {
        return writer.failure() != null || broken != null;
    }

    /** Position after the last sealed batch. */
    long sealedEnd() {
        return sealedEnd;
    }
}
