package dev.spool.embedded;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.MessageBody;
import dev.spool.api.MessageIds;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.Payload;
import dev.spool.api.QueueConfig;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.api.TaskResult;
import dev.spool.api.TxOp;

/**
 * Push, pop, ack, nack, extend and dead-lettering on the engine thread. Each handler checks what
 * depends on state, applies the change through the {@link StateMachine}, records it in the
 * {@link Wal}, and replies through the Wal so the reply waits for durability.
 */
final class MessageOps {
    /** Header names added to dead letters. */
    static final String DEAD_REASON = "spool-dead-reason";
    static final String SOURCE_QUEUE = "spool-source-queue";
    static final String SOURCE_GROUP = "spool-source-group";
    static final String SOURCE_ID = "spool-source-id";

    private final Engine engine;
    private final StateMachine sm;
    private final SplittableRandom random = new SplittableRandom();
    /** Signs receipts; a per-process key until {@link #useReceiptKey} installs the data directory's. */
    private ReceiptTags tags = ReceiptTags.random();
    private Entry[] scratch = new Entry[256];
    private long[] ids = new long[256];
    private long[] times = new long[256];
    /** After {@link #take}: one past the journal location of the last-pushed message it delivered. */
    private long takenBefore;

    MessageOps(Engine engine) {
        this.engine = engine;
        this.sm = engine.sm;
    }

    /** Installs the receipt key of the data directory; called before the engine thread starts. */
    void useReceiptKey(byte[] key) {
        tags = new ReceiptTags(key);
    }

    // ---- push ----

    void push(Command.Push c) {
        QueueState q = engine.admin.queueForProduce(c.queue());
        checkSizes(q.config.maxMessageBytes(), c.messages(), "messages");
        engine.wal.reply(c.reply(), pushAll(q, c.messages()));
    }

    static void checkSizes(long max, List<NewMessage> messages, String field) {
        for (int i = 0; i < messages.size(); i++) {
            long size = messages.get(i).body().payload().size();
            if (size > max) {
                throw SpoolException.withField(ErrorCode.PAYLOAD_TOO_LARGE, field + "[" + i + "].payload",
                        "payload of " + size + " bytes exceeds max_message_bytes=" + max);
            }
        }
    }

    /** Pushes messages already checked; returns their ids. */
    long[] pushAll(QueueState q, List<NewMessage> messages) {
        long now = engine.now;
        int n = messages.size();
        long[] out = new long[n];
        QueueConfig cfg = q.config;
        List<NewMessage> checked = engine.wal == Wal.NONE ? messages : withPayloadCrcs(messages);
        q.dedupExpire(now);
        engine.wal.pushBegin(q, -1, now);
        for (int i = 0; i < n; i++) {
            NewMessage nm = checked.get(i);
            String dedupId = nm.dedupId().orElse(null);
            if (dedupId != null) {
                long prior = q.dedupLookup(dedupId, now);
                if (prior >= 0) {
                    out[i] = prior;
                    continue;
                }
            }
            long id = sm.ids.next(now);
            long readyAt = Math.max(now + nm.delayMs(), nm.notBeforeMs());
            long ttl = nm.ttlMs() > 0 ? nm.ttlMs() : cfg.messageTtlMs();
            MessageBody body = nm.body();
            Msg m = sm.addMessage(q, id, (byte) body.priority(), body.key().orElse(null), body, readyAt, now + ttl, -1,
                    null, now);
            long dedupUntil = 0;
            if (dedupId != null && cfg.dedupWindowMs() > 0) {
                dedupUntil = now + cfg.dedupWindowMs();
                q.dedupRemember(dedupId, id, dedupUntil);
            }
            engine.wal.pushEntry(m, readyAt, dedupUntil > 0 ? dedupId : null, dedupUntil);
            out[i] = id;
        }
        engine.wal.pushEnd();
        return out;
    }

    /**
     * Reads every streamed payload once for its CRC32C before anything is applied, so that a
     * payload that cannot be read fails the push instead of failing half way through it.
     */
    private static List<NewMessage> withPayloadCrcs(List<NewMessage> messages) {
        List<NewMessage> out = null;
        for (int i = 0; i < messages.size(); i++) {
            NewMessage nm = messages.get(i);
            MessageBody b = nm.body();
            if (b.payload() instanceof Payload.Streamed s && !(s instanceof EntryCodec.Checked)) {
                if (out == null) {
                    out = new ArrayList<>(messages);
                }
                MessageBody cb = new MessageBody(new EntryCodec.Checked(s, EntryCodec.crcOf(s)), b.contentType(),
                        b.headers(), b.key(), b.priority(), b.traceparent());
                out.set(i, new NewMessage(cb, nm.delayMs(), nm.notBeforeMs(), nm.ttlMs(), nm.dedupId()));
            }
        }
        return out == null ? messages : out;
    }

    // ---- pop ----

    void pop(Command.Pop c) {
        if (c.caller().isCancelled()) {
            engine.wal.reply(c.reply(), List.of());
            return;
        }
        QueueState q = engine.admin.queueForConsume(c.queue());
        GroupState g = engine.admin.group(q, c.request().group());
        long vis = visibility(q, c.request().visibilityMs());
        List<Delivery> out = take(g, c.request().max(), vis);
        if (out.isEmpty() && c.request().waitMs() > 0) {
            engine.parkPop(c, g, c.request().waitMs());
            return;
        }
        engine.wal.replyDelivered(c.reply(), out, out.isEmpty() ? Long.MAX_VALUE : takenBefore);
    }

    private static long visibility(QueueState q, long requested) {
        return requested > 0 ? requested : q.config.visibilityTimeoutMs();
    }

    /** Leases up to {@code max} ready entries of a group. */
    List<Delivery> take(GroupState g, int max, long vis) {
        long now = engine.now;
        long leaseUntil = now + vis;
        if (scratch.length < max) {
            scratch = new Entry[Math.max(max, scratch.length * 2)];
        }
        Entry[] buf = scratch;
        int n = 0;
        long before = 0;
        while (n < max) {
            Entry e = g.pollReady();
            if (e == null) {
                break;
            }
            if (now >= e.msg().expiresAt) {
                sm.expire(e, now);
                continue;
            }
            sm.deliver(e, leaseUntil, now);
            // a message without a journal location (memory mode) needs nothing forced
            before = Math.max(before, e.msg().location < 0 ? 0 : e.msg().location + 1);
            buf[n++] = e;
        }
        if (n == 0) {
            return List.of();
        }
        PushFlow.took(g, n, max);
        takenBefore = before;
        engine.wal.deliver(g, leaseUntil, buf, n, now);
        List<Delivery> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Entry e = buf[i];
            buf[i] = null;
            Msg m = e.msg();
            out.add(new Delivery(m.id, e.attempts, m.enqueuedAt(), leaseUntil, engine.wal.body(m),
                    tags.tag(g.queue.qid, g.gid, m.id, e.attempts), e.firstDeliveredAt()));
        }
        return out;
    }

    /** Hands ready entries of {@code g} to its waiting pops, oldest waiter first. */
    void serveWaiters(GroupState g) {
        PopWaiter w;
        while ((w = g.nextWaiter()) != null && g.hasReady()) {
            g.waiters.poll();
            if (w.command.caller().isCancelled()) {
                engine.finishPopWaiter(w, List.of(), Long.MAX_VALUE); // withdrawn: leases nothing
                continue;
            }
            List<Delivery> out = take(g, w.command.request().max(), visibility(g.queue, w.command.request()
                    .visibilityMs()));
            if (out.isEmpty()) {
                g.waiters.addFirst(w);
                return;
            }
            engine.finishPopWaiter(w, out, takenBefore);
        }
    }

    // ---- ack, nack, extend ----

    void ack(Command.Ack c) {
        GroupState g = engine.admin.group(engine.admin.queue(c.queue()), c.request().group());
        Outcomes out = ackAll(g, c.request().receipts(), c.request().result().orElse(null));
        if (c.unawaited()) {
            engine.wal.replyUnawaited(c.reply(), out);
        } else {
            engine.wal.reply(c.reply(), out);
        }
    }

    Outcomes ackAll(GroupState g, Receipts receipts, TaskResult result) {
        long now = engine.now;
        int n = receipts.size();
        Outcomes.Builder out = Outcomes.builder(n);
        long[] ok = ids(n);
        int k = 0;
        for (int i = 0; i < n; i++) {
            Entry e = entry(g, receipts, i);
            ReceiptOutcome o = check(e, receipts.fence(i), now);
            out.set(i, o);
            if (o == ReceiptOutcome.OK) {
                sm.ack(e, result, now);
                ok[k++] = e.id();
            }
        }
        if (k > 0) {
            engine.wal.ack(g, ok, k, result, now);
        }
        return out.build();
    }

    /**
     * The entry receipt {@code i} names, or null when its tag is not the one this server signed for
     * that group, message and attempt (forged, untagged, or from another incarnation of the group).
     */
    private Entry entry(GroupState g, Receipts receipts, int i) {
        long id = receipts.id(i);
        return receipts.tag(i) == tags.tag(g.queue.qid, g.gid, id, receipts.fence(i)) ? g.entry(id) : null;
    }

    /** Whether a receipt names the current lease of a live entry. */
    static ReceiptOutcome check(Entry e, int fence, long now) {
        if (e == null || e.state == Entry.REMOVED) {
            return ReceiptOutcome.NOT_FOUND;
        }
        if (e.state != Entry.IN_FLIGHT || e.attempts != fence || now >= e.deadline) {
            return ReceiptOutcome.STALE;
        }
        return ReceiptOutcome.OK;
    }

    void nack(Command.Nack c) {
        GroupState g = engine.admin.group(engine.admin.queue(c.queue()), c.request().group());
        var r = c.request();
        long delay = r.delayMs().isPresent() ? r.delayMs().getAsLong() : -1;
        engine.wal.reply(c.reply(), nackAll(g, r.receipts(), delay, r.reason().orElse(null), r.deadLetter()));
    }

    Outcomes nackAll(GroupState g, Receipts receipts, long delayMs, String reason, boolean deadLetter) {
        long now = engine.now;
        int n = receipts.size();
        Outcomes.Builder out = Outcomes.builder(n);
        long[] ok = ids(n);
        long[] readyAts = times(n);
        int k = 0;
        String error = reason == null ? "nacked" : reason;
        int max = g.queue.config.maxAttempts();
        for (int i = 0; i < n; i++) {
            Entry e = entry(g, receipts, i);
            ReceiptOutcome o = check(e, receipts.fence(i), now);
            out.set(i, o);
            if (o != ReceiptOutcome.OK) {
                continue;
            }
            if (deadLetter) {
                die(e, reason == null ? "dead-lettered by nack" : reason);
                continue;
            }
            if (max > 0 && e.attempts >= max) {
                die(e, "max_attempts exceeded: nacked" + (reason == null ? "" : ": " + reason));
                continue;
            }
            long readyAt = now + (delayMs >= 0 ? delayMs : backoff(g.queue.config, e.attempts));
            sm.requeue(e, readyAt, error, now);
            ok[k] = e.id();
            readyAts[k++] = readyAt;
        }
        if (k > 0) {
            engine.wal.nack(g, ok, readyAts, k, error, now);
        }
        return out.build();
    }

    private long backoff(QueueConfig cfg, int attempts) {
        long d = cfg.retryBackoff().delayFor(attempts);
        return cfg.retryBackoff().jitter() && d > 0 ? random.nextLong(d + 1) : d;
    }

    void extend(Command.Extend c) {
        QueueState q = engine.admin.queue(c.queue());
        GroupState g = engine.admin.group(q, c.request().group());
        engine.wal.reply(c.reply(), extendAll(g, c.request().receipts(), visibility(q, c.request().visibilityMs())));
    }

    Outcomes extendAll(GroupState g, Receipts receipts, long vis) {
        long now = engine.now;
        long leaseUntil = now + vis;
        int n = receipts.size();
        Outcomes.Builder out = Outcomes.builder(n);
        long[] ok = ids(n);
        int k = 0;
        for (int i = 0; i < n; i++) {
            Entry e = entry(g, receipts, i);
            ReceiptOutcome o = check(e, receipts.fence(i), now);
            out.set(i, o);
            if (o == ReceiptOutcome.OK) {
                sm.extend(e, leaseUntil);
                ok[k++] = e.id();
            }
        }
        if (k > 0) {
            engine.wal.extend(g, ok, k, leaseUntil, now);
        }
        return out.build();
    }

    // ---- dead letters ----

    /** Kills an entry and pushes its dead-letter copy, as one journal transaction. */
    void die(Entry e, String reason) {
        long now = engine.now;
        Msg m = e.msg();
        QueueState q = m.queue;
        GroupState g = e.group();
        QueueState dlq = engine.admin.deadLetterQueue(q);
        MessageBody body;
        try {
            body = engine.wal.body(m);
        } catch (SpoolException unreadable) {
            // a damaged entry still dies (it would otherwise come back forever), without its payload
            body = MessageBody.of(Payload.EMPTY);
            reason = reason + "; its payload is unreadable: " + unreadable.getMessage();
        }
        Map<String, String> headers = new LinkedHashMap<>(body.headers());
        headers.put(DEAD_REASON, reason);
        headers.put(SOURCE_QUEUE, q.name);
        headers.put(SOURCE_GROUP, g.name);
        headers.put(SOURCE_ID, MessageIds.format(m.id));
        MessageBody dead = new MessageBody(body.payload(), body.contentType(), headers, body.key(), body.priority(),
                body.traceparent());
        DeadSource source = new DeadSource(q.name, g.name, m.id, reason, e.attempts);
        engine.wal.txBegin(now);
        sm.kill(e, reason, now);
        engine.wal.kill(e, reason, now);
        long id = sm.ids.next(now);
        Msg d = sm.addMessage(dlq, id, (byte) dead.priority(), dead.key().orElse(null), dead, now,
                now + dlq.config.messageTtlMs(), -1, source, now);
        engine.wal.pushBegin(dlq, -1, now);
        engine.wal.pushEntry(d, now, null, 0);
        engine.wal.pushEnd();
        engine.wal.txEnd();
    }

    void transact(Command.Transact c) {
        checkTags(c.ops());
        engine.wal.reply(c.reply(), new Transactions(engine).run(c.ops(), c.leaseIds()));
    }

    /**
     * Refuses a transaction holding a receipt this server did not sign, before anything of it is
     * checked further or applied, as {@link Transactions} refuses a receipt naming no message.
     * Stops at the first operation whose queue or group does not resolve: {@code Transactions}
     * reports that one.
     */
    private void checkTags(List<TxOp> ops) {
        for (int i = 0; i < ops.size(); i++) {
            Receipts r;
            String group;
            String queue;
            switch (ops.get(i)) {
                case TxOp.Ack a -> {
                    r = a.request().receipts();
                    group = a.request().group();
                    queue = a.queue();
                }
                case TxOp.Nack n -> {
                    r = n.request().receipts();
                    group = n.request().group();
                    queue = n.queue();
                }
                case TxOp.Extend x -> {
                    r = x.request().receipts();
                    group = x.request().group();
                    queue = x.queue();
                }
                case TxOp.Push p -> {
                    continue;
                }
                case TxOp.OnLock l -> {
                    continue;
                }
            }
            QueueState q = sm.queues.get(queue);
            GroupState g = q == null ? null : q.group(group);
            if (g == null) {
                return;
            }
            for (int j = 0; j < r.size(); j++) {
                if (r.tag(j) != tags.tag(q.qid, g.gid, r.id(j), r.fence(j))) {
                    throw SpoolException.withField(ErrorCode.STALE_RECEIPT, "receipts[" + j + "]",
                            "receipt " + r.format(j) + " names no message of this group").atOp(i);
                }
            }
        }
    }

    private long[] ids(int n) {
        if (ids.length < n) {
            ids = new long[Math.max(n, ids.length * 2)];
        }
        return ids;
    }

    private long[] times(int n) {
        if (times.length < n) {
            times = new long[Math.max(n, times.length * 2)];
        }
        return times;
    }
}
