package dev.spool.embedded;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * An open-addressing hash map from {@code long} to object with linear probing and backward-shift
 * deletion: no boxing and no node per entry, about 12 bytes per slot. Not thread-safe; owned by
 * the engine thread.
 *
 * @param <V> value type
 */
final class LongObjectMap<V> {
    private static final float LOAD = 0.6f;

    private long[] keys;
    private Object[] values;
    private int size;
    private int mask;
    private int resizeAt;

    LongObjectMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, (int) (expected / LOAD)) - 1) << 1;
        alloc(cap);
    }

    private void alloc(int cap) {
        keys = new long[cap];
        values = new Object[cap];
        mask = cap - 1;
        resizeAt = (int) (cap * LOAD);
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        int i = hash(key) & mask;
        Object v;
        while ((v = values[i]) != null) {
            if (keys[i] == key) {
                return (V) v;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    /** Puts a value; returns the previous one. */
    @SuppressWarnings("unchecked")
    V put(long key, V value) {
        if (value == null) {
            throw new IllegalArgumentException("null value");
        }
        int i = hash(key) & mask;
        Object v;
        while ((v = values[i]) != null) {
            if (keys[i] == key) {
                values[i] = value;
                return (V) v;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        if (++size > resizeAt) {
            rehash(keys.length << 1);
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    V remove(long key) {
        int i = hash(key) & mask;
        Object v;
        while ((v = values[i]) != null) {
            if (keys[i] == key) {
                shiftBack(i);
                size--;
                return (V) v;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    private void shiftBack(int hole) {
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            Object v = values[i];
            if (v == null) {
                break;
            }
            int home = hash(keys[i]) & mask;
            // move slot i into the hole if its home is not cyclically in (hole, i]
            boolean move = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i);
            if (move) {
                keys[hole] = keys[i];
                values[hole] = v;
                hole = i;
            }
        }
        values[hole] = null;
        keys[hole] = 0;
    }

    private void rehash(int cap) {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        alloc(cap);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                int j = hash(oldKeys[i]) & mask;
                while (values[j] != null) {
                    j = (j + 1) & mask;
                }
                keys[j] = oldKeys[i];
                values[j] = oldValues[i];
            }
        }
    }

    void clear() {
        Arrays.fill(values, null);
        Arrays.fill(keys, 0);
        size = 0;
    }

    /** Visits every value; the map must not change meanwhile. */
    @SuppressWarnings("unchecked")
    void forEachValue(Consumer<V> action) {
        Object[] vs = values;
        for (Object v : vs) {
            if (v != null) {
                action.accept((V) v);
            }
        }
    }
}
