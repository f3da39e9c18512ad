package dev.spool.bench;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The state one run shares between producers, consumers and the report: the spec, the counters,
 * one {@link Audit} per consumer group, the message payloads and the stop flag.
 */
final class Run {
    final LoadSpec spec;
    final CommonOptions options;
    final Stats stats = new Stats();
    final Audit[] audits;
    final String queue;
    final ScheduledExecutorService scheduler;
    volatile boolean producersStopping;
    private final AtomicLong deliveredCount = new AtomicLong();
    private final String padding;

    Run(LoadSpec spec, CommonOptions options, String queue, ScheduledExecutorService scheduler) {
        this.spec = spec;
        this.options = options;
        this.queue = queue;
        this.scheduler = scheduler;
        this.audits = new Audit[spec.groups()];
        for (int g = 0; g < audits.length; g++) {
            audits[g] = new Audit(groupName(g), spec.producers());
        }
        this.padding = spec.raw() ? "" : "x".repeat(spec.messageBytes());
    }

    /** {@code default} for group 0, {@code g1}, {@code g2}, ... for the others. */
    static String groupName(int g) {
        return g == 0 ? "default" : "g" + g;
    }

    /** The server acknowledged a push sent at {@code sent}: every group's audit expects the batch. */
    void acked(Batch b, int sent) {
        int stamp = stats.stamp();
        for (Audit a : audits) {
            a.acked(b, sent, stamp);
        }
        stats.pushedMessages.add(b.size());
    }

    /** A consumer of group {@code g} received the message identified by {@code packed}. */
    void delivered(int g, long packed) {
        stats.deliveries.increment();
        long n = deliveredCount.incrementAndGet();
        if (options.dropEvery > 0 && n % options.dropEvery == 0) {
            return;
        }
        audits[g].delivered(packed, stats.stamp());
    }

    /** Acknowledged but not yet consumed, in the slowest group. */
    long backlog() {
        long max = 0;
        for (Audit a : audits) {
            max = Math.max(max, a.ackedCount() - a.uniqueCount());
        }
        return max;
    }

    /** The payload of a JSON message: its identity, then padding up to the message size. */
    String payloadText(int producer, long seq) {
        String id = Ids.text(producer, seq);
        int pad = spec.messageBytes() - id.length() - 1;
        return pad <= 0 ? id : id + "." + padding.substring(0, pad);
    }

    byte[] payloadBytes(int producer, long seq) {
        return payloadText(producer, seq).getBytes(StandardCharsets.US_ASCII);
    }

    /** The payload as a JSON string value (the text in quotes), as UTF-8 bytes. */
    byte[] payloadJsonBytes(int producer, long seq) {
        return ('"' + payloadText(producer, seq) + '"').getBytes(StandardCharsets.US_ASCII);
    }

    /** The ordering key of a message, or null without keys. */
    String key(int producer, long seq) {
        return spec.keys() == 0 ? null : "k" + Math.floorMod(producer * 7919L + seq, (long) spec.keys());
    }

    /** The JSON array of a batch's messages, as the push endpoint and the push frame take it. */
    String jsonMessages(Batch b) {
        StringBuilder sb = new StringBuilder(b.size() * (spec.messageBytes() + 40) + 2);
        sb.append('[');
        for (int i = 0; i < b.size(); i++) {
            long seq = b.firstSeq() + i;
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"payload\":\"").append(payloadText(b.producer(), seq)).append('"');
            String key = key(b.producer(), seq);
            if (key != null) {
                sb.append(",\"key\":\"").append(key).append('"');
            }
            sb.append('}');
        }
        return sb.append(']').toString();
    }
}
