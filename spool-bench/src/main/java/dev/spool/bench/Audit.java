package dev.spool.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;

/**
 * The delivery audit of one consumer group: which sequence numbers of which producer the server
 * acknowledged, which ones a consumer saw, and how often.
 *
 * <p>Per producer it keeps three growable {@code int} arrays indexed by sequence number: when the push
 * was sent, when it was acknowledged and when the message was first delivered (microseconds since
 * the start plus one; 0 means never). Twelve bytes per message, so a 30 s run at 100 000 msg/s
 * holds 36 MB. A message is
 * <b>lost</b> when its push was acknowledged and no consumer ever saw it; a delivery of a message
 * already seen is a <b>duplicate</b>; a message seen whose push was never acknowledged (the push
 * failed or timed out after the server stored it) is <b>unconfirmed</b>, which is not a loss.
 */
final class Audit {
    private final String group;
    private final Track[] tracks;
    private final LongAdder acked = new LongAdder();
    private final LongAdder unique = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder foreign = new LongAdder();

    Audit(String group, int producers) {
        this.group = group;
        this.tracks = new Track[producers];
        for (int i = 0; i < producers; i++) {
            tracks[i] = new Track();
        }
    }

    String group() {
        return group;
    }

    /** The server acknowledged at {@code stamp} the push of a batch sent at {@code sent}. */
    void acked(Batch b, int sent, int stamp) {
        Track t = tracks[b.producer()];
        synchronized (t) {
            t.ensure(b.firstSeq() + b.size());
            for (int i = 0; i < b.size(); i++) {
                t.ackAt[(int) (b.firstSeq() + i)] = stamp;
                t.sentAt[(int) (b.firstSeq() + i)] = sent;
            }
        }
        acked.add(b.size());
    }

    /** A consumer saw the message {@code packed} (see {@link Ids}) at {@code stamp}. */
    void delivered(long packed, int stamp) {
        int p = packed == Ids.NONE ? -1 : Ids.producer(packed);
        long seq = Ids.seq(packed);
        if (p < 0 || p >= tracks.length || seq >= Integer.MAX_VALUE - 1) {
            foreign.increment();
            return;
        }
        Track t = tracks[p];
        boolean first;
        synchronized (t) {
            t.ensure(seq + 1);
            first = t.seenAt[(int) seq] == 0;
            if (first) {
                t.seenAt[(int) seq] = stamp;
            }
        }
        if (first) {
            unique.increment();
        } else {
            duplicates.increment();
        }
    }

    /** Heap the audit's arrays take, in bytes. */
    long footprintBytes() {
        long n = 0;
        for (Track t : tracks) {
            synchronized (t) {
                n += 4L * (t.ackAt.length + t.sentAt.length + t.seenAt.length);
            }
        }
        return n;
    }

    long ackedCount() {
        return acked.sum();
    }

    long uniqueCount() {
        return unique.sum();
    }

    /** Whether every acknowledged message was seen (cheap check first, then a full scan). */
    boolean complete() {
        return unique.sum() >= acked.sum() && result(null, null, 0).lost() == 0;
    }

    /**
     * Scans every producer's record.
     *
     * @param delivery if not null, receives the delay from push acknowledgement to first delivery
     *        of each message acknowledged at or after {@code fromStamp} (0 when the delivery came first)
     * @param endToEnd if not null, receives the delay from sending the push to first delivery
     * @param fromStamp the first acknowledgement stamp that counts for the histograms
     */
    Result result(Histogram delivery, Histogram endToEnd, int fromStamp) {
        long lost = 0;
        long unconfirmed = 0;
        List<String> examples = new ArrayList<>();
        for (int p = 0; p < tracks.length; p++) {
            Track t = tracks[p];
            synchronized (t) {
                int n = Math.max(t.ackAt.length, t.seenAt.length);
                for (int s = 0; s < n; s++) {
                    int a = s < t.ackAt.length ? t.ackAt[s] : 0;
                    int d = s < t.seenAt.length ? t.seenAt[s] : 0;
                    if (a != 0 && d == 0) {
                        lost++;
                        if (examples.size() < 5) {
                            examples.add(Ids.text(p, s));
                        }
                    } else if (a == 0 && d != 0) {
                        unconfirmed++;
                    } else if (a != 0 && a >= fromStamp) {
                        if (delivery != null) {
                            delivery.recordValue(Math.max(0, d - a));
                        }
                        if (endToEnd != null) {
                            endToEnd.recordValue(Math.max(0, d - t.sentAt[s]));
                        }
                    }
                }
            }
        }
        return new Result(group, acked.sum(), unique.sum(), lost, duplicates.sum(), unconfirmed, foreign.sum(),
                examples);
    }

    /**
     * The audit's verdict.
     *
     * @param group the consumer group
     * @param acked messages whose push the server acknowledged
     * @param unique distinct messages consumers saw
     * @param lost acknowledged and never seen
     * @param duplicated deliveries of a message already seen
     * @param unconfirmed seen although their push was not acknowledged
     * @param foreign deliveries that carried no bench identity (another writer's messages)
     * @param examples up to five lost messages as {@code producer.seq}
     */
    record Result(String group, long acked, long unique, long lost, long duplicated, long unconfirmed, long foreign,
            List<String> examples) {
    }

    /** One producer's record; guarded by its own monitor. */
    private static final class Track {
        int[] ackAt = new int[1024];
        int[] sentAt = new int[1024];
        int[] seenAt = new int[1024];

        void ensure(long size) {
            if (size > ackAt.length) {
                ackAt = Arrays.copyOf(ackAt, grow(ackAt.length, size));
                sentAt = Arrays.copyOf(sentAt, ackAt.length);
            }
            if (size > seenAt.length) {
                seenAt = Arrays.copyOf(seenAt, grow(seenAt.length, size));
            }
        }

        private static int grow(int current, long needed) {
            long n = current;
            while (n < needed) {
                n *= 2;
            }
            return (int) Math.min(n, Integer.MAX_VALUE - 8);
        }
    }
}
