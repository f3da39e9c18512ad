package dev.spool.embedded;

/**
 * A hierarchical timing wheel with 1 ms ticks: six levels of 64 slots cover two years, entries
 * further out wait in the last level and are re-filed when it turns. Schedule and cancel are O(1)
 * and allocate nothing: entries are linked through their own {@code timerPrev/timerNext} fields.
 *
 * <p>Level {@code k} files an entry whose deadline {@code d} satisfies
 * {@code (d >> 6k) - (now >> 6k) < 64} in slot {@code (d >> 6k) & 63}; that slot is re-filed
 * ("cascaded") at tick {@code (d >> 6k) << 6k <= d}, so no entry fires late. Idle stretches are
 * skipped to the next tick at which a non-empty level turns.
 */
final class TimerWheel {
    /** Receives entries whose deadline passed. */
    interface Handler {
        void fire(Entry e, long now);
    }

    private static final int BITS = 6;
    private static final int SLOTS = 1 << BITS;
    private static final int LEVELS = 6;
    private static final int DUE = LEVELS * SLOTS;

    private final Entry[] heads = new Entry[DUE + 1];
    private final int[] levelCounts = new int[LEVELS + 1];
    private long current;
    private int size;

    TimerWheel(long nowMs) {
        this.current = nowMs;
    }

    int size() {
        return size;
    }

    /** Files {@code e} to fire at {@code deadline} (epoch ms), replacing any earlier schedule. */
    void schedule(Entry e, long deadline) {
        if (e.timerSlot >= 0) {
            cancel(e);
        }
        e.deadline = deadline;
        file(e);
        size++;
    }

    void cancel(Entry e) {
        int slot = e.timerSlot;
        if (slot < 0) {
            return;
        }
        Entry prev = e.timerPrev;
        Entry next = e.timerNext;
        if (prev == null) {
            heads[slot] = next;
        } else {
            prev.timerNext = next;
        }
        if (next != null) {
            next.timerPrev = prev;
        }
        e.timerPrev = null;
        e.timerNext = null;
        e.timerSlot = -1;
        levelCounts[slot == DUE ? LEVELS : slot >>> BITS]--;
        size--;
    }

    private void file(Entry e) {
        long d = e.deadline;
        int slot;
        if (d <= current) {
            slot = DUE;
        } else {
            int level = 0;
            while (level < LEVELS - 1 && (d >> (BITS * level)) - (current >> (BITS * level)) >= SLOTS) {
                level++;
            }
            long block = d >> (BITS * level);
            if (block - (current >> (BITS * level)) >= SLOTS) {
                block = (current >> (BITS * level)) + SLOTS - 1; // beyond the wheel: wait in the last slot
            }
            slot = level * SLOTS + (int) (block & (SLOTS - 1));
        }
        link(e, slot);
    }

    private void link(Entry e, int slot) {
        Entry head = heads[slot];
        e.timerPrev = null;
        e.timerNext = head;
        if (head != null) {
            head.timerPrev = e;
        }
        heads[slot] = e;
        e.timerSlot = slot;
        levelCounts[slot == DUE ? LEVELS : slot >>> BITS]++;
    }

    /** Fires every entry whose deadline is at or before {@code now}, in no particular order. */
    void advance(long now, Handler handler) {
        fireSlot(DUE, now, handler);
        while (current < now) {
            if (levelCounts[0] == 0) {
                int k = lowestBusyLevel();
                if (k < 0) {
                    current = now;
                    break;
                }
                long nextTurn = ((current >> (BITS * k)) + 1) << (BITS * k);
                if (nextTurn - 1 > current) {
                    current = Math.min(now, nextTurn - 1);
                    continue;
                }
            }
            current++;
            cascade();
            fireSlot((int) (current & (SLOTS - 1)), current, handler);
        }
    }

    private int lowestBusyLevel() {
        for (int k = 1; k < LEVELS; k++) {
            if (levelCounts[k] > 0) {
                return k;
            }
        }
        return -1;
    }

    private void cascade() {
        if ((current & (SLOTS - 1)) != 0) {
            return;
        }
        int top = 1;
        while (top < LEVELS - 1 && (current & ((1L << (BITS * (top + 1))) - 1)) == 0) {
            top++;
        }
        for (int k = top; k >= 1; k--) {
            int slot = k * SLOTS + (int) ((current >> (BITS * k)) & (SLOTS - 1));
            Entry e = detach(slot);
            while (e != null) {
                Entry next = e.timerNext;
                e.timerNext = null;
                e.timerPrev = null;
                file(e);
                e = next;
            }
        }
    }

    private Entry detach(int slot) {
        Entry e = heads[slot];
        heads[slot] = null;
        int n = 0;
        for (Entry x = e; x != null; x = x.timerNext) {
            x.timerSlot = -1;
            n++;
        }
        levelCounts[slot == DUE ? LEVELS : slot >>> BITS] -= n;
        return e;
    }

    private void fireSlot(int slot, long now, Handler handler) {
        if (heads[slot] == null) {
            return;
        }
        Entry e = detach(slot);
        while (e != null) {
            Entry next = e.timerNext;
            e.timerNext = null;
            e.timerPrev = null;
            if (e.deadline <= now) {
                size--;
                handler.fire(e, now);
            } else {
                file(e);
            }
            e = next;
        }
    }

    /**
     * The earliest epoch ms at which {@link #advance} may have work, or {@code Long.MAX_VALUE}
     * when the wheel is empty. May be early (a level turning with nothing due), never late.
     */
    long nextDeadline() {
        if (levelCounts[LEVELS] > 0) {
            return current;
        }
        if (levelCounts[0] > 0) {
            for (int i = 1; i <= SLOTS; i++) {
                if (heads[(int) ((current + i) & (SLOTS - 1))] != null) {
                    return current + i;
                }
            }
        }
        int k = lowestBusyLevel();
        if (k < 0) {
            return Long.MAX_VALUE;
        }
        return ((current >> (BITS * k)) + 1) << (BITS * k);
    }
}
