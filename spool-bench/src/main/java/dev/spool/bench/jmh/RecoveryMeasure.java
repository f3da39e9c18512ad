package dev.spool.bench.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import dev.spool.api.BrokerSettings;
import dev.spool.api.NewMessage;
import dev.spool.api.QueueStats;
import dev.spool.embedded.EmbeddedBroker;
import dev.spool.embedded.EmbeddedConfig;
import dev.spool.embedded.FsyncPolicy;

/**
 * Measures what a restart of the journal engine costs with many ready messages: the time to
 * recover and the heap the recovered state takes per message. Two steps, each its own JVM so the
 * second starts cold:
 *
 * <pre>
 * java -cp spool-bench/target/benchmarks.jar dev.spool.bench.jmh.RecoveryMeasure fill DIR 1000000 100 [close|halt]
 * java -Xmx2g -cp spool-bench/target/benchmarks.jar dev.spool.bench.jmh.RecoveryMeasure recover DIR
 * </pre>
 *
 * {@code fill} pushes N messages of the given size to one queue ({@code fsync=never}, batches of
 * 1,000) and then either closes the broker ({@code close}) or ends the process without closing it
 * ({@code halt}, as a crash would: recovery replays from the last snapshot). {@code recover} opens
 * the journal, times the open, checks the ready count, and reports the heap growth after a full GC
 * per message (the payload cache starts empty after recovery, so this is the index alone).
 */
public final class RecoveryMeasure {
    private RecoveryMeasure() {
    }

    /**
     * Entry point.
     *
     * @param args {@code fill DIR N SIZE [close|halt]} or {@code recover DIR}
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        if (args.length >= 4 && args[0].equals("fill")) {
            fill(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    args.length < 5 || args[4].equals("close"));
        } else if (args.length == 2 && args[0].equals("recover")) {
            recover(Path.of(args[1]));
        } else {
            System.err.println("usage: fill DIR N SIZE [close|halt] | recover DIR");
            System.exit(2);
        }
    }

    private static void fill(Path dir, int n, int size, boolean close) throws Exception {
        EmbeddedBroker broker = EmbeddedBroker.open(EmbeddedConfig.journal(dir).withFsync(FsyncPolicy.NEVER),
                BrokerSettings.DEFAULTS);
        long t0 = System.nanoTime();
        int batchSize = 1000;
        List<CompletableFuture<long[]>> inFlight = new ArrayList<>();
        for (int done = 0; done < n; done += batchSize) {
            List<NewMessage> batch = new ArrayList<>(batchSize);
            for (int i = 0; i < Math.min(batchSize, n - done); i++) {
                byte[] body = new byte[size];
                body[0] = (byte) i;
                batch.add(NewMessage.of(body));
            }
            inFlight.add(broker.push("recovery", batch).toCompletableFuture());
            if (inFlight.size() == 16) {
                inFlight.forEach(CompletableFuture::join);
                inFlight.clear();
            }
        }
        inFlight.forEach(CompletableFuture::join);
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("filled %d messages of %d B in %.1f s (%.0f msg/s); journal %d MB%n", n, size, s, n / s,
                du(dir) >> 20);
        if (close) {
            broker.close();
            System.out.println("closed cleanly");
        } else {
            broker.push("recovery", List.of(NewMessage.of(new byte[size]))).toCompletableFuture().join();
            System.out.println("halting without close");
            Runtime.getRuntime().halt(0);
        }
    }

    private static void recover(Path dir) throws Exception {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long before = usedAfterGc(mem);
        long t0 = System.nanoTime();
        EmbeddedBroker broker = EmbeddedBroker.open(EmbeddedConfig.journal(dir), BrokerSettings.DEFAULTS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        QueueStats stats = broker.getQueue("recovery").toCompletableFuture().join().stats();
        long after = usedAfterGc(mem);
        long ready = stats.ready();
        System.out.printf("recovered %d ready messages in %d ms; heap +%d MB after GC = %.0f B per message%n",
                ready, ms, (after - before) >> 20, (after - before) / (double) Math.max(1, ready));
        System.out.printf("RESULT scenario=recovery messages=%d recovery_ms=%d heap_bytes_per_msg=%.0f%n", ready, ms,
                (after - before) / (double) Math.max(1, ready));
        broker.close();
    }

    private static long usedAfterGc(MemoryMXBean mem) {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return mem.getHeapMemoryUsage().getUsed();
    }

    private static long du(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
