package dev.spool.embedded;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** Checks that a state machine's derived structures agree with its entries. Engine thread only. */
final class StateInvariants {
    private StateInvariants() {
    }

    static List<String> problems(StateMachine sm) {
        List<String> out = new ArrayList<>();
        for (QueueState q : sm.queues.values()) {
            check(q, q.defaultGroup, out);
            for (GroupState g : q.groups.values()) {
                check(q, g, out);
            }
        }
        for (LockEntry l : sm.locks.byName.values()) {
            check(l, out);
        }
        return out;
    }

    private static void check(LockEntry l, List<String> out) {
        if (l.held() && (l.token < 1 || l.token > l.lastToken)) {
            out.add("lock " + l.name + ": holder token " + l.token + " outside 1.." + l.lastToken);
        }
        if (l.doc != null && (l.doc.id < 1 || l.doc.id > l.lastVersion)) {
            out.add("lock " + l.name + ": state version " + l.doc.id + " outside 1.." + l.lastVersion);
        }
        if (!l.held() && !l.waiters.isEmpty()) {
            out.add("lock " + l.name + ": free with " + l.waiters.size() + " waiting");
        }
    }

    private static void check(QueueState q, GroupState g, List<String> out) {
        Map<Entry, Boolean> inReady = new IdentityHashMap<>();
        g.forEachReady(e -> inReady.put(e, Boolean.TRUE));
        List<Entry> all = new ArrayList<>();
        if (g.isDefault()) {
            q.msgs.forEachValue(all::add);
        } else {
            g.entries.forEachValue(all::add);
        }
        int ready = 0;
        for (Entry e : all) {
            if (e.state == Entry.READY) {
                ready++;
                if (!inReady.containsKey(e)) {
                    out.add(q.name + "/" + g.name + ": entry " + e.id() + " is READY but not in the ready queues");
                }
            }
        }
        if (ready != g.readyCount) {
            out.add(q.name + "/" + g.name + ": readyCount " + g.readyCount + " but " + ready + " READY entries");
        }
    }
}
