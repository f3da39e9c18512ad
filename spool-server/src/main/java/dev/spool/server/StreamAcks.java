package dev.spool.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.vertx.core.Context;

import dev.spool.api.AckRequest;
import dev.spool.api.Outcomes;
import dev.spool.api.Receipts;

/**
 * The {@code /v1/stream} acks that asked for no reply (no {@code req}, no result) read by one event
 * loop in one turn, merged per queue and group into one broker call made when the loop has read
 * what its sockets had ({@code runOnContext} runs after the turn's reads). One ack per message from
 * a hundred consumers on a loop so costs one engine command, one journal record and one hop back
 * per turn instead of one each per message. Each socket still learns only of its own receipts that
 * were not applied, and a socket's later broker requests are sent after its merged acks
 * ({@link StreamSession} flushes first), so a socket's frames still reach the broker in order.
 *
 * <p>One instance per event-loop thread: only that thread touches it, and the sessions of a batch
 * all run on it.
 */
final class StreamAcks {
    private static final ThreadLocal<StreamAcks> LOOP = ThreadLocal.withInitial(StreamAcks::new);

    private final Map<Key, Batch> pending = new HashMap<>();
    private boolean scheduled;

    private StreamAcks() {
    }

    /** The instance of the calling event-loop thread. */
    static StreamAcks onThisLoop() {
        return LOOP.get();
    }

    /** Two servers' sockets never share a loop, but an {@link Api} is part of the key all the same. */
    private record Key(Api api, String queue, String group) {
    }

    /** One session's part of a merged ack. */
    private record Part(StreamSession session, Receipts receipts) {
    }

    private static final class Batch {
        final List<Part> parts = new ArrayList<>();
        int receipts;
    }

    /**
     * Adds an ack frame's receipts; sent with the others at the end of this loop turn (or at once
     * when the merged ack would exceed {@code max-batch}).
     */
    void add(StreamSession session, String queue, AckRequest ack) {
        Key key = new Key(session.api, queue, ack.group());
        int max = session.api.limits.maxBatch();
        Batch b = pending.get(key);
        if (b != null && b.receipts + ack.receipts().size() > max) {
            pending.remove(key);
            send(session.ctx, key, b);
            b = null;
        }
        if (b == null) {
            b = new Batch();
            pending.put(key, b);
        }
        b.parts.add(new Part(session, ack.receipts()));
        b.receipts += ack.receipts().size();
        if (!scheduled) {
            scheduled = true;
            session.ctx.runOnContext(v -> flush());
        }
    }

    /** Sends every pending merged ack now (before a session's next broker request, and at turn end). */
    void flush() {
        scheduled = false;
        if (pending.isEmpty()) {
            return;
        }
        List<Map.Entry<Key, Batch>> all = new ArrayList<>(pending.entrySet());
        pending.clear();
        for (Map.Entry<Key, Batch> e : all) {
            Batch b = e.getValue();
            send(b.parts.get(0).session().ctx, e.getKey(), b);
        }
    }

    private static void send(Context ctx, Key key, Batch b) {
        List<Receipts> rs = new ArrayList<>(b.parts.size());
        for (Part p : b.parts) {
            rs.add(p.receipts());
        }
        Receipts merged = b.parts.size() == 1 ? rs.get(0) : Receipts.concat(rs);
        Api api = key.api();
        // their senders asked for no reply: the ack may ride on the journal's next force
        Api.on(ctx, api.broker.ackUnawaited(key.queue(), new AckRequest(key.group(), merged, Optional.empty())),
                (out, e) -> {
                    if (out != null) {
                        api.metrics.queue(key.queue()).acked.increment(out.okCount());
                    }
                    int at = 0;
                    for (Part p : b.parts) {
                        p.session().mergedAckDone(p.receipts(), out, at, e);
                        at += p.receipts().size();
                    }
                });
    }

    /** The outcomes of one part of a merged ack: {@code out[from, from + receipts.size())}. */
    static Outcomes slice(Outcomes out, int from, int n) {
        if (from == 0 && n == out.size()) {
            return out;
        }
        Outcomes.Builder b = Outcomes.builder(n);
        for (int i = 0; i < n; i++) {
            b.set(i, out.get(from + i));
        }
        return b.build();
    }
}
