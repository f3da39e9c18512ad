package dev.spool.embedded;

/**
 * The ready entries of one priority level of a group, in id (push) order.
 *
 * <p>Entries pushed in order go to a ring (append at the tail, O(1)). Entries that become ready out
 * of order — a nack, an expired lease, a delay that ended, the next message of a key — go to a
 * binary min-heap by id. The next entry is the smaller id of the two heads, so delivery is exactly
 * in push order without sorting the common case.
 *
 * <p>Entries leave a structure lazily: each insertion stamps the entry, and a slot whose stamp no
 * longer matches (the entry was delivered, removed or re-inserted elsewhere) is skipped. This keeps
 * removal O(1) without unlinking from the middle of the ring.
 */
final class EntryQueue {
    private Entry[] ring = new Entry[16];
    private int[] ringStamps = new int[16];
    private int head;
    private int tail;

    private Entry[] heap = new Entry[4];
    private int[] heapStamps = new int[4];
    private int heapSize;

    /** Appends an entry whose id is greater than every id appended before. */
    void append(Entry e) {
        if (tail - head == ring.length) {
            growRing();
        }
        int i = tail & (ring.length - 1);
        ring[i] = e;
        ringStamps[i] = e.stamp;
        tail++;
    }

    /** Inserts an entry in id order wherever it falls. */
    void insert(Entry e) {
        if (heapSize == heap.length) {
            heap = java.util.Arrays.copyOf(heap, heapSize * 2);
            heapStamps = java.util.Arrays.copyOf(heapStamps, heapSize * 2);
        }
        int i = heapSize++;
        long id = e.id();
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent].id() <= id) {
                break;
            }
            heap[i] = heap[parent];
            heapStamps[i] = heapStamps[parent];
            i = parent;
        }
        heap[i] = e;
        heapStamps[i] = e.stamp;
    }

    /** The entry with the smallest id that is still valid, without removing it; null if none. */
    Entry peek() {
        Entry r = ringHead();
        Entry h = heapHead();
        if (r == null) {
            return h;
        }
        if (h == null) {
            return r;
        }
        return r.id() < h.id() ? r : h;
    }

    /** Removes and returns the entry with the smallest valid id; null if none. */
    Entry poll() {
        Entry r = ringHead();
        Entry h = heapHead();
        if (r == null && h == null) {
            return null;
        }
        if (h == null || (r != null && r.id() < h.id())) {
            ring[head & (ring.length - 1)] = null;
            head++;
            return r;
        }
        heapRemoveTop();
        return h;
    }

    boolean isEmpty() {
        return peek() == null;
    }

    private Entry ringHead() {
        while (head != tail) {
            int i = head & (ring.length - 1);
            Entry e = ring[i];
            if (e.stamp == ringStamps[i] && e.state == Entry.READY) {
                return e;
            }
            ring[i] = null;
            head++;
        }
        return null;
    }

    private Entry heapHead() {
        while (heapSize > 0) {
            Entry e = heap[0];
            if (e.stamp == heapStamps[0] && e.state == Entry.READY) {
                return e;
            }
            heapRemoveTop();
        }
        return null;
    }

    private void heapRemoveTop() {
        int n = --heapSize;
        Entry last = heap[n];
        int lastStamp = heapStamps[n];
        heap[n] = null;
        if (n == 0) {
            return;
        }
        int i = 0;
        long id = last.id();
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && heap[child + 1].id() < heap[child].id()) {
                child++;
            }
            if (heap[child].id() >= id) {
                break;
            }
            heap[i] = heap[child];
            heapStamps[i] = heapStamps[child];
            i = child;
        }
        heap[i] = last;
        heapStamps[i] = lastStamp;
    }

    private void growRing() {
        int n = ring.length;
        Entry[] r = new Entry[n * 2];
        int[] s = new int[n * 2];
        for (int k = 0; k < n; k++) {
            int i = (head + k) & (n - 1);
            r[k] = ring[i];
            s[k] = ringStamps[i];
        }
        ring = r;
        ringStamps = s;
        tail = n;
        head = 0;
    }

    /** Drops invalid slots at the heads, so that idle queues do not pin removed entries. */
    void compact() {
        ringHead();
        heapHead();
    }

    /** Visits valid entries (ring then heap, not in order). */
    void forEach(java.util.function.Consumer<Entry> action) {
        for (int k = head; k != tail; k++) {
            int i = k & (ring.length - 1);
            Entry e = ring[i];
            if (e != null && e.stamp == ringStamps[i] && e.state == Entry.READY) {
                action.accept(e);
            }
        }
        for (int i = 0; i < heapSize; i++) {
            Entry e = heap[i];
            if (e.stamp == heapStamps[i] && e.state == Entry.READY) {
                action.accept(e);
            }
        }
    }
}
