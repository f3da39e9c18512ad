package dev.spool.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/**
 * Heap use of this process over a run (meaningful when the server runs in process; it includes the
 * load generator's own buffers): live heap after a full GC at the start and the end, the highest
 * use sampled once a second, and the collections in between.
 */
final class HeapWatch {
    private final long liveBefore;
    private final long gcCountBefore;
    private final long gcMillisBefore;
    private volatile long maxSampled;

    HeapWatch() {
        this.liveBefore = liveAfterGc();
        this.gcCountBefore = gcCount();
        this.gcMillisBefore = gcMillis();
        this.maxSampled = used();
    }

    /** Samples the heap in use (called by the progress ticker). */
    void sample() {
        long u = used();
        if (u > maxSampled) {
            maxSampled = u;
        }
    }

    /** Heap figures since the start, in MiB: growth of the live heap, peak sampled use, GCs. */
    String report() {
        sample();
        long liveAfter = liveAfterGc();
        return String.format(java.util.Locale.ROOT,
                "heap: live %.1f MiB -> %.1f MiB after GC (growth %+.1f MiB), peak sampled %.1f MiB, "
                        + "%d collections taking %d ms",
                mib(liveBefore), mib(liveAfter), mib(liveAfter - liveBefore), mib(maxSampled),
                gcCount() - gcCountBefore, gcMillis() - gcMillisBefore);
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }

    private static long used() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getUsage() != null) {
                sum += p.getUsage().getUsed();
            }
        }
        return sum;
    }

    private static long liveAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, b.getCollectionCount());
        }
        return n;
    }

    private static long gcMillis() {
        long n = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, b.getCollectionTime());
        }
        return n;
    }
}
