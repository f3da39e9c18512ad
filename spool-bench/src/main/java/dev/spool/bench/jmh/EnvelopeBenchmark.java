package dev.spool.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.spool.api.crypto.Envelope;
import dev.spool.api.crypto.Keyring;

/**
 * Encryption at rest of one message payload: {@link Envelope#seal} as the journal does for every
 * entry of an encrypted queue, and {@link Envelope#open} as a read of a sealed entry does. The
 * context is the size of a real one ({@code spool/message/<qid>/<id>}).
 *
 * <p>Run: {@code java -jar spool-bench/target/benchmarks.jar EnvelopeBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EnvelopeBenchmark {
    @Param({"64", "1024"})
    public int size;

    private Keyring ring;
    private byte[] plain;
    private byte[] sealed;
    private byte[] context;

    /** A keyring of one fresh key, a random payload and its sealed form. */
    @Setup
    public void setUp() {
        ring = Keyring.parse(Keyring.newKeyLine("k1"), "benchmark");
        plain = new byte[size];
        ThreadLocalRandom.current().nextBytes(plain);
        context = "spool/message/17/0000000000012345".getBytes(StandardCharsets.US_ASCII);
        sealed = Envelope.seal(ring, plain, context);
    }

    /** Seals one payload with a fresh nonce. */
    @Benchmark
    public byte[] seal() {
        return Envelope.seal(ring, plain, context);
    }

    /** Opens and verifies one sealed payload. */
    @Benchmark
    public byte[] open() {
        return Envelope.open(ring, sealed, context, "benchmark");
    }
}
