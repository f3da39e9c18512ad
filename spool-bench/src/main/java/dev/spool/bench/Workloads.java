package dev.spool.bench;

import java.io.PrintWriter;
import java.util.Locale;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import dev.spool.bench.LoadSpec.Primary;
import dev.spool.bench.LoadSpec.Transport;

/**
 * The two workloads of issue 14, as users run them against a server in its own process
 * ({@code --url}): W1, producers that keep up to 1,000 messages unconfirmed and consumers with a
 * prefetch of 1,000; W2, one message at a time, each push waiting for its confirmation. Both are
 * unthrottled by the load generator (no {@code --max-backlog} unless given: only the server may hold
 * the producers back), report produced and consumed rates side by side, and can sweep open-loop
 * rates ({@code --sweep}) to find the highest one the consumers sustain.
 */
final class Workloads {
    private Workloads() {
    }

    /** What W1 and W2 share: unthrottled producers, a fixed rate or a sweep of rates. */
    abstract static class Workload extends Scenarios.Base {
        @Option(names = "--rate", defaultValue = "0",
                description = "messages per second in total, open loop; 0 = as fast as confirmed (default:"
                        + " ${DEFAULT-VALUE}); with --sweep, the first rate tried")
        double rate;
        @Option(names = "--sweep", description = "run open-loop rates one after another (each --warmup + --duration,"
                + " on a fresh queue) and report the highest with consumed >= 0.99 x produced and e2e p99 <="
                + " --max-e2e-p99-ms")
        boolean sweep;
        @Option(names = "--max-e2e-p99-ms", defaultValue = "100",
                description = "the sweep's latency bound (default: ${DEFAULT-VALUE})")
        double maxP99Ms;
        @Option(names = "--sweep-steps", defaultValue = "8",
                description = "rates the sweep tries at most (default: ${DEFAULT-VALUE})")
        int sweepSteps;

        /** The spec at {@code rate} messages per second (0 = closed loop). */
        abstract LoadSpec at(double rate);

        /** The sweep's first rate when {@code --rate} is not given. */
        abstract double firstSweepRate();

        @Override
        LoadSpec load() {
            return at(rate);
        }

        @Override
        public Integer call() throws Exception {
            if (!command.commandLine().getParseResult().hasMatchedOption("--max-backlog")) {
                common.maxBacklog = Long.MAX_VALUE;
            }
            if (!sweep) {
                return super.call();
            }
            if (sweepSteps < 1 || maxP99Ms <= 0) {
                throw new ParameterException(command.commandLine(), "--sweep-steps and --max-e2e-p99-ms must be"
                        + " positive");
            }
            try {
                Runner.validate(common, at(firstRate()));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(command.commandLine(), e.getMessage(), e);
            }
            return sweep(command.commandLine().getOut(), command.commandLine().getErr());
        }

        private double firstRate() {
            return rate > 0 ? rate : firstSweepRate();
        }

        /**
         * Raises the rate by half while the consumers keep up, then halves the gap between the best
         * sustained rate and the first that was not, until {@code --sweep-steps} runs are done.
         */
        private int sweep(PrintWriter out, PrintWriter err) throws Exception {
            double good = 0;
            double bad = Double.POSITIVE_INFINITY;
            Report.Outcome best = null;
            long lost = 0;
            long duplicated = 0;
            double r = firstRate();
            for (int step = 1; step <= sweepSteps; step++) {
                LoadSpec spec = at(r);
                out.printf(Locale.ROOT, "---- sweep step %d: rate %.0f msg/s%n", step, r);
                Report.Outcome o = Runner.measure(common, spec, out, err);
                lost += o.lost();
                duplicated += o.duplicated();
                boolean ok = o.sustained(maxP99Ms);
                out.printf(Locale.ROOT, "SWEEP rate=%.0f produced_per_s=%.0f consumed_per_s=%.0f e2e_p99_ms=%.3f "
                        + "sustained=%s%n", r, o.producedPerS(), o.consumedPerS(), o.e2eP99Ms(), ok ? "yes" : "no");
                if (ok) {
                    good = r;
                    best = o;
                } else {
                    bad = Math.min(bad, r);
                }
                r = Double.isInfinite(bad) ? r * 1.5 : (good + bad) / 2;
                if (r < 1 || (!Double.isInfinite(bad) && bad - good < Math.max(100, 0.03 * bad))) {
                    break;
                }
            }
            out.printf(Locale.ROOT, "RESULT scenario=%s-sweep msgs_per_s=%.0f p50_ms=%.3f p99_ms=%.3f lost=%d "
                            + "duplicated=%d sustained_rate=%.0f first_unsustained_rate=%s%n",
                    at(0).scenario(), best == null ? 0.0 : best.consumedPerS(), best == null ? 0.0 : best.e2eP50Ms(),
                    best == null ? 0.0 : best.e2eP99Ms(), lost, duplicated, good,
                    Double.isInfinite(bad) ? "none" : String.format(Locale.ROOT, "%.0f", bad));
            out.flush();
            return lost > 0 ? 1 : 0;
        }
    }

    @Command(name = "w1", sortOptions = false,
            description = {"W1: producers with up to --window unconfirmed messages, consumers with prefetch 1,000.",
                "1 KiB durable messages, explicit acks. stream: push frames of --batch, a subscription with",
                "--prefetch credit, one ack frame per delivered frame; http: push --batch, pop --pop-max, ack;",
                "java: the Java client's Producer (batches of --batch over its stream) and stream Consumer.",
                "msgs_per_s counts deliveries; p50/p99 are from sending the push to the first delivery."})
    static final class W1 extends Workload {
        @Option(names = "--transport", defaultValue = "stream",
                description = "stream, java, http or inprocess (default: ${DEFAULT-VALUE})")
        String transport;
        @Option(names = "--producers", defaultValue = "4", description = "producers (default: ${DEFAULT-VALUE})")
        int producers;
        @Option(names = "--consumers", defaultValue = "4", description = "consumers (default: ${DEFAULT-VALUE})")
        int consumers;
        @Option(names = "--window", defaultValue = "1000",
                description = "unconfirmed messages per producer (default: ${DEFAULT-VALUE})")
        int window;
        @Option(names = "--batch", defaultValue = "100", description = "messages per push (default: ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--prefetch", defaultValue = "1000",
                description = "stream subscription credit (default: ${DEFAULT-VALUE})")
        int prefetch;
        @Option(names = "--pop-max", defaultValue = "100", description = "messages per pop (default: ${DEFAULT-VALUE})")
        int popMax;
        @Option(names = "--size", defaultValue = "1024", description = "payload bytes (default: ${DEFAULT-VALUE})")
        int size;

        @Override
        LoadSpec at(double r) {
            return new LoadSpec("w1", Transport.parse(transport), producers, consumers, 1, batch, size, 0, popMax,
                    prefetch, false, r, false, Primary.END_TO_END, window);
        }

        @Override
        double firstSweepRate() {
            return 10_000;
        }
    }

    @Command(name = "w2", sortOptions = false,
            description = {"W2: one message at a time, each push waiting for its confirmation.",
                "One producer pushes one 1 KiB durable message per request; one consumer takes one message at a",
                "time (prefetch 1 / pop max 1) and acks it. p50/p99 are from sending the push to the delivery."})
    static final class W2 extends Workload {
        @Option(names = "--transport", defaultValue = "stream",
                description = "stream, java, http or inprocess (default: ${DEFAULT-VALUE})")
        String transport;
        @Option(names = "--size", defaultValue = "1024", description = "payload bytes (default: ${DEFAULT-VALUE})")
        int size;

        @Override
        LoadSpec at(double r) {
            return new LoadSpec("w2", Transport.parse(transport), 1, 1, 1, 1, size, 0, 1, 1, true, r, false,
                    Primary.END_TO_END, 1);
        }

        @Override
        double firstSweepRate() {
            return 500;
        }
    }
}
