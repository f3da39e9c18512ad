package dev.spool.bench.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;
import dev.spool.embedded.EmbeddedBroker;
import dev.spool.embedded.EmbeddedConfig;
import dev.spool.embedded.FsyncPolicy;

/**
 * Push, pop and ack through the embedded engine in process, in batches of {@value #BATCH} messages
 * of 100 bytes. One operation is one message going through all three. The pipelined variants keep
 * 8 or 32 batches in flight at once, as a server with several busy connections has them.
 * {@code mode} is memory, or a journal with fsync=always (group commit) in a temporary directory.
 *
 * <p>Run: {@code java -jar spool-bench/target/benchmarks.jar EngineBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class EngineBenchmark {
    static final int BATCH = 100;

    @Param({"memory", "journal"})
    public String mode;

    private EmbeddedBroker broker;
    private Path dir;
    private List<NewMessage> batch;
    private final PopRequest pop = new PopRequest("default", BATCH, 60_000, 0);

    @Setup(Level.Trial)
    public void open() throws IOException {
        EmbeddedConfig config = EmbeddedConfig.memory();
        if (mode.equals("journal")) {
            dir = Files.createTempDirectory("spool-jmh");
            config = EmbeddedConfig.journal(dir).withFsync(FsyncPolicy.ALWAYS);
        }
        broker = EmbeddedBroker.open(config, BrokerSettings.DEFAULTS);
        batch = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            batch.add(NewMessage.of(new byte[100]));
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        broker.close();
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** One batch at a time: push, pop, ack, each waiting for the previous. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int pushPopAck() {
        return cycle(1);
    }

    /** 8 batches in flight at each step, as 8 busy connections would have them. */
    @Benchmark
    @OperationsPerInvocation(BATCH * 8)
    public int pushPopAckPipelined8() {
        return cycle(8);
    }

    /** 32 batches in flight at each step: enough to keep group commit busy in journal mode. */
    @Benchmark
    @OperationsPerInvocation(BATCH * 32)
    public int pushPopAckPipelined32() {
        return cycle(32);
    }

    private int cycle(int n) {
        @SuppressWarnings("unchecked")
        CompletableFuture<long[]>[] pushes = new CompletableFuture[n];
        for (int i = 0; i < n; i++) {
            pushes[i] = broker.push("bench", batch).toCompletableFuture();
        }
        for (int i = 0; i < n; i++) {
            pushes[i].join();
        }
        @SuppressWarnings("unchecked")
        CompletableFuture<Outcomes>[] acks = new CompletableFuture[n];
        for (int i = 0; i < n; i++) {
            acks[i] = broker.pop("bench", pop).toCompletableFuture()
                    .thenCompose(ds -> broker.ack("bench", AckRequest.of(Receipts.of(ds))).toCompletableFuture());
        }
        int ok = 0;
        for (int i = 0; i < n; i++) {
            ok += acks[i].join().okCount();
        }
        if (ok != n * BATCH) {
            throw new IllegalStateException("acked " + ok + " of " + n * BATCH);
        }
        return ok;
    }
}
