package dev.spool.embedded;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import dev.spool.api.ErrorCode;
import dev.spool.api.GroupInfo;
import dev.spool.api.MessageIds;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.QueueInfo;
import dev.spool.api.QueueStats;
import dev.spool.api.SpoolException;
import dev.spool.api.TaskResult;

/** Builds the API's records from engine state. */
final class Views {
    private final Engine engine;

    Views(Engine engine) {
        this.engine = engine;
    }

    QueueInfo queueInfo(QueueState q) {
        List<GroupInfo> groups = new ArrayList<>(q.groups.size());
        for (GroupState g : q.namedGroupsSorted()) {
            groups.add(groupInfo(g));
        }
        return new QueueInfo(q.name, q.config, q.createdAt, stats(q.defaultGroup), groups,
                java.util.Optional.ofNullable(q.defaultGroup.push));
    }

    GroupInfo groupInfo(GroupState g) {
        return new GroupInfo(g.name, g.start, g.createdAt, stats(g), java.util.Optional.ofNullable(g.push));
    }

    QueueStats stats(GroupState g) {
        Entry oldest = g.oldestReady();
        long age = oldest == null ? 0 : Math.max(0, engine.now - oldest.msg().enqueuedAt());
        return new QueueStats(g.readyCount, g.delayedCount, g.inFlightCount, g.deadCount, age);
    }

    static MessageState state(Entry e) {
        return switch (e.state) {
            case Entry.READY -> MessageState.READY;
            case Entry.DELAYED, Entry.BLOCKED -> MessageState.DELAYED;
            case Entry.IN_FLIGHT -> MessageState.IN_FLIGHT;
            case Entry.ACKED -> MessageState.ACKED;
            case Entry.DEAD -> MessageState.DEAD;
            default -> MessageState.EXPIRED;
        };
    }

    MessageView messageView(Entry e, String group) {
        Msg m = e.msg();
        long availableAt = e.state == Entry.DELAYED || e.state == Entry.IN_FLIGHT ? e.deadline : 0;
        EntryExtra x = e.extra;
        Optional<TaskResult> result = x != null && x.result != null && x.keepUntil > engine.now
                ? Optional.of(x.result) : Optional.empty();
        boolean held = m.queue.msgs.get(m.id) == m;
        return new MessageView(m.id, m.queue.name, group, state(e), e.attempts, m.enqueuedAt(), availableAt,
                Optional.ofNullable(e.lastError()), result,
                held ? Optional.of(engine.wal.body(m)) : Optional.empty());
    }

    /** Answers a task view: the entry's view, or not-found if it was removed. */
    void replyView(Command.GetMessage c, Entry e) {
        if (e.state == Entry.REMOVED) {
            engine.wal.fail(c.reply(), SpoolException.withField(ErrorCode.MESSAGE_NOT_FOUND, "id",
                    "message " + MessageIds.format(c.id()) + " was removed"));
            return;
        }
        engine.wal.reply(c.reply(), messageView(e, c.query().group()));
    }

    List<MessageView> browse(GroupState g, MessageState state, long afterId, int limit) {
        List<Entry> found = new ArrayList<>();
        if (state == MessageState.READY) {
            g.forEachReady(e -> {
                if (e.id() > afterId) {
                    found.add(e);
                }
            });
        } else {
            java.util.function.Consumer<Entry> pick = e -> {
                if (e.id() > afterId && state(e) == state && !e.isTerminal()) {
                    found.add(e);
                }
            };
            if (g.isDefault()) {
                g.queue.msgs.forEachValue(pick::accept);
            } else {
                g.entries.forEachValue(pick::accept);
            }
        }
        found.sort(Comparator.comparingLong(Entry::id));
        List<MessageView> out = new ArrayList<>(Math.min(limit, found.size()));
        for (int i = 0; i < found.size() && i < limit; i++) {
            out.add(messageView(found.get(i), g.name));
        }
        return out;
    }

    List<MessageView> deadLetters(GroupState g, List<Msg> letters, int limit) {
        List<MessageView> out = new ArrayList<>(Math.min(limit, letters.size()));
        for (int i = 0; i < letters.size() && i < limit; i++) {
            Msg m = letters.get(i);
            DeadSource s = m.source();
            out.add(new MessageView(s.id(), s.queue(), s.group(), MessageState.DEAD, s.attempts(),
                    Ids.timeOf(s.id()), 0, Optional.of(s.reason()), Optional.empty(),
                    Optional.of(engine.wal.body(m))));
        }
        return out;
    }
}
