package dev.spool.embedded;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.spool.api.Broker;
import dev.spool.api.ErrorCode;
import dev.spool.api.GroupInfo;
import dev.spool.api.Health;
import dev.spool.api.MessageBody;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;
import dev.spool.api.SpoolException;

/** Queue and group administration, task views, browse and redrive on the engine thread. */
final class AdminOps {
    /** Most access tokens stored at once. */
    static final int MAX_TOKENS = 10_000;

    private final Engine engine;
    private final StateMachine sm;

    AdminOps(Engine engine) {
        this.engine = engine;
        this.sm = engine.sm;
    }

    // ---- lookups ----

    QueueState queue(String name) {
        QueueState q = sm.queues.get(name);
        if (q == null) {
            throw SpoolException.withField(ErrorCode.QUEUE_NOT_FOUND, "queue", "queue '" + name + "' does not exist");
        }
        return q;
    }

    /** The queue, created with the defaults if it is missing and auto-create is on. */
    QueueState queueForProduce(String name) {
        QueueState q = sm.queues.get(name);
        if (q != null) {
            return q;
        }
        if (!engine.settings.autoCreateQueues()) {
            throw SpoolException.withField(ErrorCode.QUEUE_NOT_FOUND, "queue", "queue '" + name
                    + "' does not exist and auto-create is off");
        }
        checkQueueRoom();
        return create(name, engine.settings.queueDefaults());
    }

    /**
     * The queue a pop reads. Pops never create queues whatever auto-create says: a consumer of a
     * mistyped name gets {@code queue_not_found} at once instead of waiting on a new empty queue.
     */
    QueueState queueForConsume(String name) {
        QueueState q = sm.queues.get(name);
        if (q == null) {
            throw SpoolException.withField(ErrorCode.QUEUE_NOT_FOUND, "queue", "queue '" + name
                    + "' does not exist (pops do not create queues: push to it or create it with PUT)");
        }
        return q;
    }

    GroupState group(QueueState q, String name) {
        GroupState g = q.group(name);
        if (g == null) {
            throw SpoolException.withField(ErrorCode.GROUP_NOT_FOUND, "group", "queue '" + q.name
                    + "' has no group '" + name + "'");
        }
        return g;
    }

    /** The dead-letter queue of {@code q}, created on demand (outside the queue limit). */
    QueueState deadLetterQueue(QueueState q) {
        String name = q.config.deadLetterQueueFor(q.name);
        QueueState dlq = sm.queues.get(name);
        return dlq != null ? dlq : create(name, engine.settings.queueDefaults());
    }

    void checkQueueRoom() {
        checkQueueRoom(1);
    }

    /** Refuses when {@code more} new queues would not fit under {@code max_queues}. */
    void checkQueueRoom(int more) {
        if (sm.queues.size() + more > engine.settings.limits().maxQueues()) {
            throw SpoolException.tooMany("the server holds the maximum of " + engine.settings.limits().maxQueues()
                    + " queues", 60_000);
        }
    }

    private QueueState create(String name, QueueConfig config) {
        QueueState q = sm.createQueue(sm.lastQid + 1, name, config, engine.now);
        engine.wal.queuePut(q, engine.now);
        return q;
    }

    // ---- queues ----

    void putQueue(Command.PutQueue c) {
        if (c.config().deadLetterQueueFor(c.queue()).equals(c.queue())) {
            throw SpoolException.invalid("dead_letter_queue", "a queue cannot be its own dead-letter queue");
        }
        QueueState q = sm.queues.get(c.queue());
        if (q == null) {
            checkQueueRoom();
            q = create(c.queue(), c.config());
        } else {
            q.config = c.config();
            engine.wal.queuePut(q, engine.now);
        }
        engine.wal.reply(c.reply(), engine.views.queueInfo(q));
    }

    void getQueue(Command.GetQueue c) {
        engine.wal.reply(c.reply(), engine.views.queueInfo(queue(c.queue())));
    }

    void listQueues(Command.ListQueues c) {
        List<QueueState> all = new ArrayList<>(sm.queues.values());
        all.sort(Comparator.comparing(q -> q.name));
        List<QueueInfo> out = new ArrayList<>(all.size());
        for (QueueState q : all) {
            out.add(engine.views.queueInfo(q));
        }
        engine.wal.reply(c.reply(), out);
    }

    void deleteQueue(Command.DeleteQueue c) {
        QueueState q = queue(c.queue());
        engine.releaseWaiters(q.defaultGroup);
        for (GroupState g : q.groups.values()) {
            engine.releaseWaiters(g);
        }
        sm.deleteQueue(q, engine.now);
        engine.wal.queueDelete(q, engine.now);
        engine.wal.reply(c.reply(), null);
    }

    void putToken(Command.PutToken c) {
        if (sm.tokens.containsKey(c.token().id())) {
            throw new SpoolException(ErrorCode.CONFLICT, "a token with this id exists");
        }
        if (sm.tokens.size() >= MAX_TOKENS) {
            throw SpoolException.tooMany("at most " + MAX_TOKENS + " tokens", 60_000);
        }
        sm.putToken(c.token());
        engine.wal.tokenPut(c.token(), engine.now);
        engine.wal.reply(c.reply(), c.token());
    }

    void listTokens(Command.ListTokens c) {
        engine.wal.reply(c.reply(), List.copyOf(sm.tokens.values()));
    }

    void revokeToken(Command.RevokeToken c) {
        if (sm.tokens.remove(c.id()) == null) {
            throw new SpoolException(ErrorCode.NOT_FOUND, "no token with this id");
        }
        engine.wal.tokenRevoke(c.id(), engine.now);
        engine.wal.reply(c.reply(), null);
    }

    void purge(Command.PurgeQueue c) {
        QueueState q = queue(c.queue());
        long n = sm.purge(q, engine.now);
        engine.wal.queuePurge(q, engine.now);
        engine.wal.reply(c.reply(), n);
    }

    // ---- groups ----

    void putGroup(Command.PutGroup c) {
        QueueState q = queue(c.queue());
        GroupState g = q.group(c.group());
        if (g != null) {
            if (!g.start.equals(c.spec().start())) {
                throw SpoolException.withField(ErrorCode.CONFLICT, "start", "group '" + c.group()
                        + "' exists with start " + g.start.wire());
            }
            String push = c.spec().push().orElse(null);
            if (!java.util.Objects.equals(push, g.push)) {
                g.push = push;
                engine.wal.groupPush(g, engine.now);
            }
            engine.wal.reply(c.reply(), engine.views.groupInfo(g));
            return;
        }
        if (q.groups.size() >= engine.settings.limits().maxGroupsPerQueue()) {
            throw SpoolException.tooMany("queue '" + q.name + "' has the maximum of "
                    + engine.settings.limits().maxGroupsPerQueue() + " groups", 60_000);
        }
        g = sm.createGroup(q, q.nextGroupId(), c.group(), c.spec().start(), engine.now);
        engine.wal.groupPut(g, engine.now);
        if (c.spec().push().isPresent()) {
            g.push = c.spec().push().get();
            engine.wal.groupPush(g, engine.now);
        }
        engine.wal.reply(c.reply(), engine.views.groupInfo(g));
    }

    void getGroup(Command.GetGroup c) {
        engine.wal.reply(c.reply(), engine.views.groupInfo(group(queue(c.queue()), c.group())));
    }

    void listGroups(Command.ListGroups c) {
        QueueState q = queue(c.queue());
        List<GroupInfo> out = new ArrayList<>(q.groups.size() + 1);
        out.add(engine.views.groupInfo(q.defaultGroup));
        for (GroupState g : q.namedGroupsSorted()) {
            out.add(engine.views.groupInfo(g));
        }
        engine.wal.reply(c.reply(), out);
    }

    void deleteGroup(Command.DeleteGroup c) {
        if (Broker.DEFAULT_GROUP.equals(c.group())) {
            throw SpoolException.invalid("group", "the default group cannot be deleted");
        }
        GroupState g = group(queue(c.queue()), c.group());
        engine.releaseWaiters(g);
        sm.deleteGroup(g, engine.now);
        engine.wal.groupDelete(g, engine.now);
        engine.wal.reply(c.reply(), null);
    }

    // ---- messages ----

    void getMessage(Command.GetMessage c) {
        GroupState g = group(queue(c.queue()), c.query().group());
        Entry e = g.entry(c.id());
        if (e == null || e.state == Entry.REMOVED) {
            java.util.Optional<String> gone = e == null ? engine.finished.reason(g, c.id()) : java.util.Optional.empty();
            if (gone.isPresent()) {
                throw SpoolException.withField(ErrorCode.MESSAGE_NOT_FOUND, "id", "message " + dev.spool.api.MessageIds
                        .format(c.id()) + " " + gone.get() + " and is no longer kept: queue '" + g.queue.name
                        + "' keeps finished messages for lookup only for its retention_ms ("
                        + g.queue.config.retentionMs() + ")");
            }
            throw SpoolException.withField(ErrorCode.MESSAGE_NOT_FOUND, "id", "no message " + dev.spool.api.MessageIds
                    .format(c.id()) + " in queue '" + g.queue.name + "' group '" + g.name + "'");
        }
        if (!e.isTerminal() && c.query().waitMs() > 0) {
            engine.parkTask(c, e, c.query().waitMs());
            return;
        }
        engine.views.replyView(c, e);
    }

    void browse(Command.Browse c) {
        GroupState g = group(queue(c.queue()), c.request().group());
        var r = c.request();
        List<MessageView> out = r.state() == MessageState.DEAD
                ? engine.views.deadLetters(g, deadLetters(g, r.afterId(), false), r.limit())
                : engine.views.browse(g, r.state(), r.afterId(), r.limit());
        engine.wal.reply(c.reply(), out);
    }

    /** Dead letters of {@code g} still in its queue's dead-letter queue, by source id. */
    List<Msg> deadLetters(GroupState g, long afterId, boolean movableOnly) {
        QueueState q = g.queue;
        QueueState dlq = sm.queues.get(q.config.deadLetterQueueFor(q.name));
        List<Msg> out = new ArrayList<>();
        if (dlq == null) {
            return out;
        }
        dlq.msgs.forEachValue(m -> {
            DeadSource s = m.source();
            if (s != null && !m.isTerminal() && s.queue().equals(q.name) && s.group().equals(g.name)
                    && s.id() > afterId && (!movableOnly || m.state != Entry.IN_FLIGHT)) {
                out.add(m);
            }
        });
        out.sort(Comparator.comparingLong(m -> m.source().id()));
        return out;
    }

    void redrive(Command.Redrive c) {
        QueueState q = queue(c.queue());
        GroupState g = group(q, c.request().group());
        List<Msg> found = selected(deadLetters(g, Long.MIN_VALUE, true), c.request().ids());
        int n = Math.min(found.size(), c.request().limit());
        if (n == 0) {
            engine.wal.reply(c.reply(), 0L);
            return;
        }
        long now = engine.now;
        QueueState dlq = found.get(0).queue;
        List<MessageBody> bodies = new ArrayList<>(n);
        long[] removed = new long[n];
        for (int i = 0; i < n; i++) {
            Msg m = found.get(i);
            bodies.add(withoutDeadHeaders(engine.wal.body(m)));
            removed[i] = m.id;
        }
        engine.wal.txBegin(now);
        for (int i = 0; i < n; i++) {
            sm.removeMessage(found.get(i), now);
        }
        engine.wal.remove(dlq, removed, n, now);
        int target = g.isDefault() ? 0 : g.gid;
        engine.wal.pushBegin(q, target, now);
        for (MessageBody body : bodies) {
            Msg m = sm.addMessage(q, sm.ids.next(now), (byte) body.priority(), body.key().orElse(null), body, now,
                    now + q.config.messageTtlMs(), target, null, now);
            engine.wal.pushEntry(m, now, null, 0);
        }
        engine.wal.pushEnd();
        engine.wal.txEnd();
        engine.wal.reply(c.reply(), (long) n);
    }

    /** The dead letters whose source ids are in {@code ids}; all of them when {@code ids} is empty. */
    private static List<Msg> selected(List<Msg> letters, List<Long> ids) {
        if (ids.isEmpty()) {
            return letters;
        }
        java.util.Set<Long> wanted = new java.util.HashSet<>(ids);
        List<Msg> out = new ArrayList<>(Math.min(letters.size(), ids.size()));
        for (Msg m : letters) {
            if (wanted.contains(m.source().id())) {
                out.add(m);
            }
        }
        return out;
    }

    private static MessageBody withoutDeadHeaders(MessageBody b) {
        Map<String, String> h = new LinkedHashMap<>(b.headers());
        h.remove(MessageOps.DEAD_REASON);
        h.remove(MessageOps.SOURCE_QUEUE);
        h.remove(MessageOps.SOURCE_GROUP);
        h.remove(MessageOps.SOURCE_ID);
        return new MessageBody(b.payload(), b.contentType(), h, b.key(), b.priority(), b.traceparent());
    }

    void health(Command.CheckHealth c) {
        String failure = engine.wal.failureReason();
        if (failure != null) {
            // nothing to make durable: say so at once, even though the journal takes no writes
            c.reply().complete(new Health(false, failure));
            return;
        }
        engine.wal.reply(c.reply(), new Health(true, engine.wal == Wal.NONE ? "memory mode, "
                + sm.queues.size() + " queues" : "journal open, " + sm.queues.size() + " queues"));
    }
}
