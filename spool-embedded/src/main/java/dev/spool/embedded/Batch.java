package dev.spool.embedded;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.spool.api.Payload;

/**
 * Records appended by the engine thread during one iteration, handed whole to the journal writer:
 * the unit of group commit. Bytes go to a growable heap buffer; a large payload read from a file is
 * not copied in but spliced: the writer copies it from its file at that point of the stream.
 * Replies wait in the batch until the writer made it durable.
 *
 * <p>Only the engine thread writes a batch before it is sealed; only the writer reads it after.
 */
final class Batch {
    /** A streamed payload to insert at {@code at} (a buffer offset), and the CRC32C of its bytes. */
    record Splice(int at, Payload.Streamed payload, int crc) {
    }

    /** From buffer offset {@code at} on, records go to segment {@code segment}. */
    record Switch(int at, long segment) {
    }

    ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    /** Buffer offsets where top-level records start, and where they end (after the CRC slot). */
    int[] starts = new int[64];
    int[] ends = new int[64];
    int records;
    final List<Splice> splices = new ArrayList<>();
    final List<Switch> switches = new ArrayList<>();
    final List<CompletableFuture<Object>> replies = new ArrayList<>();
    final List<Object> values = new ArrayList<>();
    final List<Throwable> errors = new ArrayList<>();
    /** Journal position after the last record of this batch. */
    long endPos;
    /** Segment and offset the batch starts at. */
    long startPos;
    /** Bytes of spliced payloads. */
    long splicedBytes;
    /** Replies that may complete once written (see {@link #addEarlyReply}): their index and the position they need forced. */
    int[] earlyIdx = new int[16];
    long[] earlyNeed = new long[16];
    int earlies;
    /** Replies nobody waits for (see {@link #addUnawaitedReply}): their indexes, in order. */
    int[] unawaitedIdx = new int[4];
    int unawaited;

    void reset() {
        buf.clear();
        records = 0;
        splices.clear();
        switches.clear();
        replies.clear();
        values.clear();
        errors.clear();
        earlies = 0;
        unawaited = 0;
        splicedBytes = 0;
        if (buf.capacity() > (8 << 20)) {
            buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    boolean isEmpty() {
        return buf.position() == 0 && replies.isEmpty();
    }

    @SuppressWarnings("unchecked")
    <T> void addReply(CompletableFuture<T> f, T value) {
        replies.add((CompletableFuture<Object>) f);
        values.add(value);
        errors.add(null);
    }

    /**
     * A reply that may complete as soon as this batch is written, before it is forced, provided the
     * journal is already forced beyond {@code needForced} (a delivery's messages were pushed in
     * records that are on the disk).
     */
    <T> void addEarlyReply(CompletableFuture<T> f, T value, long needForced) {
        addReply(f, value);
        if (earlies == earlyIdx.length) {
            earlyIdx = java.util.Arrays.copyOf(earlyIdx, earlies * 2);
            earlyNeed = java.util.Arrays.copyOf(earlyNeed, earlies * 2);
        }
        earlyIdx[earlies] = replies.size() - 1;
        earlyNeed[earlies++] = needForced;
    }

    /**
     * A reply nobody waits for (an ack sent without asking for one): it still completes only once
     * this batch is forced, but this batch needs no force of its own for it.
     */
    <T> void addUnawaitedReply(CompletableFuture<T> f, T value) {
        addReply(f, value);
        if (unawaited == unawaitedIdx.length) {
            unawaitedIdx = java.util.Arrays.copyOf(unawaitedIdx, unawaited * 2);
        }
        unawaitedIdx[unawaited++] = replies.size() - 1;
    }

    @SuppressWarnings("unchecked")
    void addFailure(CompletableFuture<?> f, Throwable error) {
        replies.add((CompletableFuture<Object>) f);
        values.add(null);
        errors.add(error);
    }

    void markRecord(int start, int end) {
        if (records == starts.length) {
            starts = java.util.Arrays.copyOf(starts, records * 2);
            ends = java.util.Arrays.copyOf(ends, records * 2);
        }
        starts[records] = start;
        ends[records] = end;
        records++;
    }

    // ---- rewinding a failed command ----

    /** Where a batch stood; reused, so marking allocates nothing. */
    static final class Mark {
        int position;
        int records;
        int splices;
        int switches;
        int replies;
        long splicedBytes;
    }

    void mark(Mark m) {
        m.position = buf.position();
        m.records = records;
        m.splices = splices.size();
        m.switches = switches.size();
        m.replies = replies.size();
        m.splicedBytes = splicedBytes;
    }

    /** Whether bytes or segment switches were appended since {@code m}. */
    boolean appendedSince(Mark m) {
        return buf.position() != m.position || switches.size() != m.switches;
    }

    /** Drops what was appended since {@code m}; replies added since fail with {@code error}. */
    void rewind(Mark m, Throwable error) {
        buf.position(m.position);
        records = m.records;
        splicedBytes = m.splicedBytes;
        truncate(splices, m.splices);
        truncate(switches, m.switches);
        while (earlies > 0 && earlyIdx[earlies - 1] >= m.replies) {
            earlies--;
        }
        while (unawaited > 0 && unawaitedIdx[unawaited - 1] >= m.replies) {
            unawaited--;
        }
        while (replies.size() > m.replies) {
            int last = replies.size() - 1;
            replies.remove(last).completeExceptionally(error);
            values.remove(last);
            errors.remove(last);
        }
    }

    private static void truncate(List<?> list, int size) {
        while (list.size() > size) {
            list.remove(list.size() - 1);
        }
    }

    // ---- encoding ----

    void ensure(int n) {
        if (buf.remaining() < n) {
            int cap = Math.max(buf.capacity() * 2, buf.position() + n);
            ByteBuffer b = ByteBuffer.allocate(cap).order(ByteOrder.LITTLE_ENDIAN);
            buf.flip();
            b.put(buf);
            buf = b;
        }
    }

    void putByte(int v) {
        ensure(1);
        buf.put((byte) v);
    }

    void putInt(int v) {
        ensure(4);
        buf.putInt(v);
    }

    void putLong(long v) {
        ensure(8);
        buf.putLong(v);
    }

    void putDouble(double v) {
        ensure(8);
        buf.putDouble(v);
    }

    /** A string as int32 length (-1 for null) then UTF-8 bytes. */
    void putString(String s) {
        if (s == null) {
            putInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        putInt(b.length);
        putBytes(b);
    }

    void putBytes(byte[] b) {
        ensure(b.length);
        buf.put(b);
    }

    int position() {
        return buf.position();
    }

    /** The bytes {@code group} appends to the current segment, or -1 when one of them rolls to a new one. */
    static long appendedBytes(java.util.List<Batch> group) {
        long bytes = 0;
        for (Batch b : group) {
            if (!b.switches.isEmpty()) {
                return -1;
            }
            bytes += b.buf.position() + b.splicedBytes;
        }
        return bytes;
    }

    /** The replies of {@code group}'s batches. */
    static int replies(java.util.List<Batch> group) {
        int n = 0;
        for (Batch b : group) {
            n += b.replies.size();
        }
        return n;
    }
}
