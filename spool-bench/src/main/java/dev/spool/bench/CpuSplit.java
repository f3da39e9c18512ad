package dev.spool.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the CPU time of this process went, by thread group, from {@link ThreadMXBean} thread CPU
 * times. Load-generator threads are the ones named {@code bench-*} and the client's Vert.x event
 * loops, which mark themselves with {@link #markLoad()} (their names are the same as the server's).
 * With the server in process, {@code vert.x-*} and {@code spool-*} threads are the server's, split
 * into event loops, workers, engine, journal and PostgreSQL. What the JVM spent outside Java threads
 * (GC, JIT) and threads that ended during the run show up as the difference to the process total.
 */
final class CpuSplit {
    static final String LOAD = "load generator";
    private static final Set<Long> LOAD_THREADS = ConcurrentHashMap.newKeySet();
    private static final ThreadLocal<Boolean> MARKED = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private final Map<Long, Long> cpuByThread;
    private final Map<Long, String> groupByThread;
    private final long processNanos;
    private final long wallNanos;

    private CpuSplit(Map<Long, Long> cpu, Map<Long, String> groups, long process, long wall) {
        this.cpuByThread = cpu;
        this.groupByThread = groups;
        this.processNanos = process;
        this.wallNanos = wall;
    }

    /** Marks the calling thread as a load-generator thread (cheap after the first call). */
    static void markLoad() {
        if (!MARKED.get()) {
            MARKED.set(Boolean.TRUE);
            LOAD_THREADS.add(Thread.currentThread().threadId());
        }
    }

    /** Thread CPU times now. */
    static CpuSplit take(boolean serverInProcess) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long[] ids = mx.getAllThreadIds();
        ThreadInfo[] infos = mx.getThreadInfo(ids);
        Map<Long, Long> cpu = new LinkedHashMap<>();
        Map<Long, String> groups = new LinkedHashMap<>();
        for (int i = 0; i < ids.length; i++) {
            long t = mx.isThreadCpuTimeSupported() ? mx.getThreadCpuTime(ids[i]) : -1;
            if (t < 0 || infos[i] == null) {
                continue;
            }
            cpu.put(ids[i], t);
            groups.put(ids[i], classify(ids[i], infos[i].getThreadName(), serverInProcess));
        }
        long process = ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
        return new CpuSplit(cpu, groups, process, System.nanoTime());
    }

    private static String classify(long id, String name, boolean serverInProcess) {
        if (LOAD_THREADS.contains(id) || name.startsWith("bench-")) {
            return LOAD;
        }
        if (!serverInProcess) {
            return name.startsWith("vert.x-") ? LOAD : "other threads";
        }
        if (name.startsWith("vert.x-eventloop")) {
            return "server event loops";
        }
        if (name.startsWith("vert.x-worker") || name.startsWith("vert.x-internal-blocking")) {
            return "server vert.x workers";
        }
        if (name.startsWith("spool-engine")) {
            return "server engine";
        }
        if (name.startsWith("spool-journal") || name.startsWith("spool-snapshot")) {
            return "server journal";
        }
        if (name.startsWith("spool-pg")) {
            return "server postgres";
        }
        if (name.startsWith("vert.x-") || name.startsWith("spool-")) {
            return "server other";
        }
        return "other threads";
    }

    /**
     * CPU seconds per group between {@code start} and this snapshot, in a stable order, ending with
     * {@code jvm (gc, jit, exited threads)} and {@code process total}.
     */
    Map<String, Double> since(CpuSplit start) {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put(LOAD, 0.0);
        double threads = 0;
        for (Map.Entry<Long, Long> e : cpuByThread.entrySet()) {
            long before = start.cpuByThread.getOrDefault(e.getKey(), 0L);
            double s = Math.max(0, e.getValue() - before) / 1e9;
            out.merge(groupByThread.get(e.getKey()), s, Double::sum);
            threads += s;
        }
        if (processNanos >= 0 && start.processNanos >= 0) {
            double process = (processNanos - start.processNanos) / 1e9;
            out.put("jvm (gc, jit, exited threads)", Math.max(0, process - threads));
            out.put("process total", process);
        }
        return out;
    }

    /** Wall-clock seconds between {@code start} and this snapshot. */
    double wallSince(CpuSplit start) {
        return (wallNanos - start.wallNanos) / 1e9;
    }
}
