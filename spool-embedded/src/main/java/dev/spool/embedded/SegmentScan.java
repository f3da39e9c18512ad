package dev.spool.embedded;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One segment read from an offset to its end, for the journal tools: its header, the valid records
 * in order up to the first bad one ({@link #validEnd}), and what follows the damage: the valid
 * records found by resynchronising with {@link SegmentReader#findValidAfter} (records that were
 * acknowledged once) and the bytes that belong to no valid record.
 *
 * @param path the file
 * @param number the segment number
 * @param size the file's size
 * @param header whether the header is valid (when it is not, nothing before {@link #after} is read)
 * @param validEnd where the valid records read in order end (0 when the header is damaged)
 * @param problem why reading stopped before the end of the file, or null
 * @param before the valid records from the start offset to {@code validEnd}
 * @param after the valid records found after the first bad one
 * @param unreadable bytes after {@code validEnd} that are in no valid record
 * @param validRuns the {@code [start, end)} stretches of valid records found after the damage
 */
record SegmentScan(Path path, long number, long size, boolean header, long validEnd, String problem, Counter before,
        Counter after, long unreadable, List<long[]> validRuns) {


    /** Reads {@code path} from {@code from} (a record boundary, or {@link Segments#HEADER}). */
    static SegmentScan read(Path path, long number, long from) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            Counter before = new Counter();
            Counter after = new Counter();
            if (!Segments.validHeader(ch, number)) {
                String why = size < Segments.HEADER ? "the file is shorter than its 32-byte header"
                        : "the segment header is damaged";
                List<long[]> runs = resync(ch, Segments.HEADER - 1, after);
                return new SegmentScan(path, number, size, false, 0, why, before, after, size - after.bytes, runs);
            }
            SegmentReader reader = new SegmentReader(ch, from);
            SegmentReader.Record r;
            while ((r = reader.next()) != null) {
                before.add(r);
            }
            long end = reader.validEnd();
            if (reader.problem() == null) {
                return new SegmentScan(path, number, size, true, end, null, before, after, 0, List.of());
            }
            List<long[]> runs = resync(ch, end, after);
            return new SegmentScan(path, number, size, true, end, reader.problem(), before, after,
                    size - end - after.bytes, runs);
        }
    }

    /** Counts every valid record after {@code bad}, skipping over each damaged stretch. */
    private static List<long[]> resync(FileChannel ch, long bad, Counter into) throws IOException {
        List<long[]> runs = new ArrayList<>();
        long p = SegmentReader.findValidAfter(ch, bad);
        while (p >= 0) {
            SegmentReader reader = new SegmentReader(ch, p);
            SegmentReader.Record r;
            while ((r = reader.next()) != null) {
                into.add(r);
            }
            runs.add(new long[] {p, reader.validEnd()});
            if (reader.problem() == null) {
                break;
            }
            p = SegmentReader.findValidAfter(ch, reader.validEnd());
        }
        return runs;
    }

    /** Whether {@code [from, from + length)} lies inside valid records (before the damage or after it). */
    boolean readable(long from, long length) {
        if (header && from >= Segments.HEADER && from + length <= validEnd) {
            return true;
        }
        for (long[] run : validRuns) {
            if (from >= run[0] && from + length <= run[1]) {
                return true;
            }
        }
        return false;
    }

    /** Records counted by type, with the message entries of pushes and the ids of acks. */
    static final class Counter {
        final long[] byType = new long[RecordType.LIMIT];
        long records;
        long pushed;
        long acked;
        long bytes;

        void add(SegmentReader.Record r) {
            records++;
            bytes += r.length();
            byType[r.type()]++;
            try {
                body(r.type(), r.body());
            } catch (RuntimeException e) {
                // the CRC checks but the body does not parse: recovery reports it; here it only costs a count
            }
        }

        private void body(int type, RecordIn in) {
            switch (type) {
                case RecordType.PUSH -> {
                    in.getInt();
                    in.getInt();
                    pushed += in.getInt();
                }
                case RecordType.ACK -> {
                    in.getInt();
                    in.getInt();
                    acked += in.getInt();
                }
                case RecordType.TX -> {
                    int n = in.getInt();
                    for (int i = 0; i < n; i++) {
                        long start = in.position();
                        int length = in.getInt();
                        int nested = in.get();
                        body(nested, in);
                        in.skip(start + length - in.position());
                    }
                }
                default -> {
                    // nothing to count inside
                }
            }
        }

        void addAll(Counter o) {
            for (int i = 0; i < byType.length; i++) {
                byType[i] += o.byType[i];
            }
            records += o.records;
            pushed += o.pushed;
            acked += o.acked;
            bytes += o.bytes;
        }

        JournalTool.Tally tally() {
            Map<String, Long> m = new LinkedHashMap<>();
            for (int i = 1; i < byType.length; i++) {
                if (byType[i] > 0) {
                    m.put(RecordType.name(i), byType[i]);
                }
            }
            return new JournalTool.Tally(m, records, pushed, acked, bytes);
        }
    }
}
