package dev.spool.it;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time used by the processes of a measurement, from {@code /proc} (Linux): the machine is
 * shared, so a figure per CPU-second says more than one per wall-clock second.
 */
final class Cpu {
    private static final double TICK_S = 0.01; // USER_HZ is 100 on Linux

    private Cpu() {
    }

    /** CPU seconds of a process and its children that have been waited for (0 when it is gone). */
    static double seconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after the command: state is field 3, utime 14, stime 15, cutime 16, cstime 17 (1-based)
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
            return ticks * TICK_S;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** CPU seconds of a process and of all its live descendants. */
    static double tree(long pid) {
        double s = seconds(pid);
        for (ProcessHandle h : ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(List.of())) {
            s += seconds(h.pid());
        }
        return s;
    }

    /** CPU seconds of this JVM. */
    static double self() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /** The postmaster's pid, from {@code postmaster.pid} in the data directory. */
    static long postmaster(Path dataDir) {
        try {
            return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).strip());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
