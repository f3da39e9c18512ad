package dev.spool.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The CPU time of a server running in another process on this machine (a {@code --url} on
 * loopback), split by thread from Linux's {@code /proc}: the process is the one listening on the
 * URL's port ({@code /proc/net/tcp*} gives the socket's inode, {@code /proc/<pid>/fd} the process
 * holding it), and each thread's {@code utime + stime} is read from {@code /proc/<pid>/task/<tid>/stat}
 * and grouped by the thread's name (event loops, engine, journal, GC, JIT, other). Isolation of the
 * platform dependency: elsewhere, or for a remote server, {@link #find} is empty and the report
 * shows the load generator's split only.
 */
final class ServerProcess {
    /** Clock ticks per second of {@code /proc} CPU times ({@code getconf CLK_TCK}; 100 on Linux). */
    private static final double TICKS_PER_S = 100.0;

    /** The key of the whole server process's CPU seconds in {@link #sample()}. */
    static final String TOTAL = "server process total";

    private final long pid;

    private ServerProcess(long pid) {
        this.pid = pid;
    }

    long pid() {
        return pid;
    }

    /** The process listening on {@code url}'s port, if the URL is local and this is Linux. */
    static Optional<ServerProcess> find(URI url) {
        String host = url.getHost();
        if (!("127.0.0.1".equals(host) || "localhost".equals(host) || "[::1]".equals(host) || "::1".equals(host))
                || !Files.isDirectory(Path.of("/proc/net"))) {
            return Optional.empty();
        }
        try {
            long inode = listeningInode(url.getPort());
            if (inode <= 0) {
                return Optional.empty();
            }
            String target = "socket:[" + inode + "]";
            try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path proc : procs) {
                    if (holds(proc.resolve("fd"), target)) {
                        return Optional.of(new ServerProcess(Long.parseLong(proc.getFileName().toString())));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static long listeningInode(int port) throws IOException {
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.isReadable(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p)) {
                String[] f = line.trim().split("\\s+");
                // sl local rem st tx:rx tr:when retrnsmt uid timeout inode; 0A = LISTEN
                if (f.length > 9 && f[1].endsWith(hexPort) && "0A".equals(f[3])) {
                    return Long.parseLong(f[9]);
                }
            }
        }
        return -1;
    }

    private static boolean holds(Path fdDir, String target) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
            for (Path fd : fds) {
                try {
                    if (target.equals(Files.readSymbolicLink(fd).toString())) {
                        return true;
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // an fd closed meanwhile: not the one
                }
            }
        } catch (IOException e) {
            // another user's process, or one that ended: not readable, not ours
        }
        return false;
    }

    /** CPU seconds so far per thread group, in a stable order, ending with {@code server process total}. */
    Map<String, Double> sample() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String g : List.of("server event loops", "server engine", "server journal", "server gc",
                "server jit", "server other")) {
            out.put(g, 0.0);
        }
        double total = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String name = stat.substring(open + 1, close);
                String[] f = stat.substring(close + 2).split(" ");
                // after "pid (comm) ": state=0 ... utime=11 stime=12
                double s = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_S;
                out.merge(group(name), s, Double::sum);
                total += s;
            }
        } catch (IOException e) {
            return Map.of();
        }
        out.put(TOTAL, total);
        return out;
    }

    /** The group of a thread by its (15-character) Linux name. */
    static String group(String name) {
        if (name.startsWith("vert.x-eventloo")) {
            return "server event loops";
        }
        if (name.startsWith("spool-engine")) {
            return "server engine";
        }
        if (name.startsWith("spool-journal") || name.startsWith("spool-snapshot")) {
            return "server journal";
        }
        if (name.startsWith("GC ") || name.startsWith("G1 ")) {
            return "server gc";
        }
        if (name.startsWith("C1 ") || name.startsWith("C2 ")) {
            return "server jit";
        }
        return "server other";
    }

    /** The difference of two samples. */
    static Map<String, Double> since(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : after.entrySet()) {
            out.put(e.getKey(), Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0.0)));
        }
        return out;
    }
}
