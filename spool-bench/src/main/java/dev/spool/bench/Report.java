package dev.spool.bench;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

import org.HdrHistogram.Histogram;

import dev.spool.bench.Stats.Op;

/**
 * The final report of a run: throughput, latency percentiles, errors, the delivery audit of every
 * group, where the CPU time went, heap figures when the server ran in process, and the RESULT line.
 */
final class Report {
    private final Run run;
    private final Target target;
    private final Window w;

    /**
     * The measured window.
     *
     * @param seconds measured load, from the end of the warm-up to the producers' stop
     * @param drainSeconds how long the consumers took afterwards to see everything
     * @param drained whether they saw everything before the drain timeout
     * @param pushed messages acknowledged in the window
     * @param delivered deliveries in the window
     * @param fromStamp the audit stamp at the start of the window
     * @param loadBefore the system load average when the window began (-1 if unknown)
     * @param loadAfter the system load average after the drain
     */
    record Window(double seconds, double drainSeconds, boolean drained, long pushed, long delivered, int fromStamp,
            double loadBefore, double loadAfter) {
    }

    /**
     * What a run measured, for a rate sweep.
     *
     * @param exit the exit code (1 when a message was lost)
     * @param producedPerS messages acknowledged to the producers per second of the window
     * @param consumedPerS deliveries per second of the window
     * @param e2eP50Ms push sent to first delivery, median, in ms
     * @param e2eP99Ms push sent to first delivery, p99, in ms
     * @param lost acknowledged messages never consumed
     * @param duplicated deliveries of a message already consumed
     */
    record Outcome(int exit, double producedPerS, double consumedPerS, double e2eP50Ms, double e2eP99Ms, long lost,
            long duplicated) {
        /** Consumers kept up: consumed at least 0.99 of produced with e2e p99 at most {@code maxP99Ms}. */
        boolean sustained(double maxP99Ms) {
            return exit == 0 && lost == 0 && consumedPerS >= 0.99 * producedPerS && e2eP99Ms <= maxP99Ms;
        }
    }

    Report(Run run, Target target, Window window) {
        this.run = run;
        this.target = target;
        this.w = window;
    }

    /** Prints the report; its outcome carries the exit code (1 when a message was lost). */
    Outcome print(PrintWriter out, PrintWriter err, Map<String, Double> cpu, double wall, String heap) {
        LoadSpec s = run.spec;
        printHeader(out);
        long pushed = w.pushed();
        long delivered = w.delivered();
        double msgsPerS = delivered / w.seconds();
        Histogram delivery = new Histogram(3_600_000_000L, 3);
        Histogram endToEnd = new Histogram(3_600_000_000L, 3);
        Audit.Result[] results = new Audit.Result[run.audits.length];
        for (int g = 0; g < results.length; g++) {
            results[g] = run.audits[g].result(delivery, endToEnd, w.fromStamp());
        }
        out.println("latency (ms)                  count       p50       p90       p99     p99.9       max");
        Histogram push = run.stats.total(Op.PUSH);
        Histogram pop = run.stats.total(Op.POP);
        line(out, "push request", push);
        line(out, "pop request", pop);
        line(out, "ack request", run.stats.total(Op.ACK));
        line(out, "push ack -> delivery", delivery);
        line(out, "push sent -> delivery", endToEnd);
        out.printf(Locale.ROOT, "errors: %d%n", run.stats.errors.sum());
        for (String e : run.stats.firstErrors()) {
            out.println("  " + e);
        }
        long[] lostAndDup = printAudits(out, results);
        long lost = lostAndDup[0];
        long dup = lostAndDup[1];
        printCpu(out, cpu, wall, delivered);
        if (heap != null) {
            long audit = 0;
            for (Audit a : run.audits) {
                audit += a.footprintBytes();
            }
            out.printf(Locale.ROOT, "%s; the load generator's audit holds %.1f MiB of it%n", heap, audit / 1048576.0);
        }
        if (lost > 0) {
            String msg = String.format(Locale.ROOT, "LOST %d acknowledged messages (e.g. producer.seq %s)", lost,
                    results[0].examples().isEmpty() ? "in other groups" : String.join(", ", results[0].examples()));
            out.println(msg);
            err.println(msg);
        }
        Histogram primary = switch (s.primary()) {
            case PUSH -> push;
            case POP -> pop;
            case DELIVERY -> delivery;
            case END_TO_END -> endToEnd;
        };
        double producedPerS = pushed / w.seconds();
        out.printf(Locale.ROOT, "RESULT scenario=%s msgs_per_s=%.0f p50_ms=%s p99_ms=%s lost=%d duplicated=%d "
                        + "errors=%d pushed=%d delivered=%d transport=%s latency=%s produced_per_s=%.0f "
                        + "consumed_per_s=%.0f consumed_ratio=%.3f e2e_p50_ms=%s e2e_p99_ms=%s pop_p99_ms=%s%n",
                s.scenario(), msgsPerS, Runner.ms(primary.getValueAtPercentile(50)),
                Runner.ms(primary.getValueAtPercentile(99)), lost, dup, run.stats.errors.sum(), pushed, delivered,
                s.transport().wire(), s.primary().name().toLowerCase(Locale.ROOT), producedPerS, msgsPerS,
                pushed == 0 ? 0.0 : (double) delivered / pushed, Runner.ms(endToEnd.getValueAtPercentile(50)),
                Runner.ms(endToEnd.getValueAtPercentile(99)),
                pop.getTotalCount() == 0 ? "-" : Runner.ms(pop.getValueAtPercentile(99)));
        out.flush();
        return new Outcome(lost > 0 ? 1 : 0, producedPerS, msgsPerS, endToEnd.getValueAtPercentile(50) / 1000.0,
                endToEnd.getValueAtPercentile(99) / 1000.0, lost, dup);
    }

    private void printHeader(PrintWriter out) {
        LoadSpec s = run.spec;
        out.printf(Locale.ROOT, "scenario %s: transport=%s producers=%d consumers=%d groups=%d batch=%d size=%d "
                        + "keys=%d pop_max=%d prefetch=%d ack_each=%s rate=%s queue=%s%n",
                s.scenario(), s.transport().wire(), s.producers(), s.consumers(), s.groups(), s.batch(),
                s.messageBytes(), s.keys(), s.popMax(), s.prefetch(), s.ackEach(),
                s.rate() > 0 ? String.format(Locale.ROOT, "%.0f/s", s.rate()) : "closed-loop", run.queue);
        out.printf(Locale.ROOT, "target: %s; %d cores, JDK %s; warm-up %.0f s not measured; "
                        + "system load average %.2f -> %.2f%n", target.description(),
                Runtime.getRuntime().availableProcessors(), Runtime.version(), run.options.warmupS,
                w.loadBefore(), w.loadAfter());
        out.printf(Locale.ROOT, "throughput: pushed %,d msgs (%,.0f/s), delivered %,d (%,.0f/s) in %.1f s; "
                        + "drain %.2f s%s%n",
                w.pushed(), w.pushed() / w.seconds(), w.delivered(), w.delivered() / w.seconds(), w.seconds(),
                w.drainSeconds(), w.drained() ? "" : " (drain timeout: not everything was consumed)");
    }

    /** Prints each group's audit; returns {lost, duplicated} over all groups. */
    private static long[] printAudits(PrintWriter out, Audit.Result[] results) {
        long lost = 0;
        long dup = 0;
        for (Audit.Result r : results) {
            out.printf(Locale.ROOT, "audit [%s]: acknowledged %,d, consumed %,d distinct, lost %d, duplicated %d, "
                            + "unconfirmed %d, foreign %d%n",
                    r.group(), r.acked(), r.unique(), r.lost(), r.duplicated(), r.unconfirmed(), r.foreign());
            lost += r.lost();
            dup += r.duplicated();
        }
        return new long[] {lost, dup};
    }

    private static void line(PrintWriter out, String name, Histogram h) {
        if (h.getTotalCount() == 0) {
            out.printf(Locale.ROOT, "  %-24s %9d%n", name, 0);
            return;
        }
        out.printf(Locale.ROOT, "  %-24s %9d %9s %9s %9s %9s %9s%n", name, h.getTotalCount(),
                Runner.ms(h.getValueAtPercentile(50)), Runner.ms(h.getValueAtPercentile(90)),
                Runner.ms(h.getValueAtPercentile(99)), Runner.ms(h.getValueAtPercentile(99.9)),
                Runner.ms(h.getMaxValue()));
    }

    private static void printCpu(PrintWriter out, Map<String, Double> cpu, double wall, long delivered) {
        StringBuilder sb = new StringBuilder("cpu (seconds over ");
        sb.append(String.format(Locale.ROOT, "%.1f s wall; 100%% = one core):", wall));
        for (Map.Entry<String, Double> e : cpu.entrySet()) {
            if (e.getValue() < 0.0005 && !e.getKey().equals(CpuSplit.LOAD)) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "%n  %-32s %8.2f s %6.0f%%", e.getKey(), e.getValue(),
                    100 * e.getValue() / wall));
        }
        if (delivered > 0) {
            double server = 0;
            boolean inProcess = false;
            for (Map.Entry<String, Double> e : cpu.entrySet()) {
                if (e.getKey().startsWith("server")) {
                    server += e.getValue();
                    inProcess = true;
                }
            }
            Double separate = cpu.get(ServerProcess.TOTAL);
            if (separate != null) {
                server = separate;
            }
            sb.append(String.format(Locale.ROOT, "%n  per delivered message: %sload generator %.1f us, process %.1f us",
                    inProcess ? String.format(Locale.ROOT, "server %.1f us, ", 1e6 * server / delivered) : "",
                    1e6 * cpu.get(CpuSplit.LOAD) / delivered,
                    1e6 * cpu.getOrDefault("process total", 0.0) / delivered));
        }
        out.println(sb);
    }
}
