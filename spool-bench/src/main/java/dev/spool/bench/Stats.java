package dev.spool.bench;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counters and request latency histograms of one run, written by every load thread.
 *
 * <p>Latencies go into an HdrHistogram {@link Recorder} per operation (microseconds, 3 significant
 * digits, up to an hour); a single reader at a time (the progress line, then the final report)
 * takes interval histograms and folds them into the totals.
 */
final class Stats {
    /** The request kinds whose round trips are measured. */
    enum Op { PUSH, POP, ACK }

    private static final long HIGHEST_MICROS = 3_600_000_000L;
    private static final int KEPT_ERRORS = 8;

    final long startNanos = System.nanoTime();
    final LongAdder pushedMessages = new LongAdder();
    final LongAdder deliveries = new LongAdder();
    final LongAdder ackedMessages = new LongAdder();
    final LongAdder errors = new LongAdder();

    private final Map<Op, Recorder> recorders = new EnumMap<>(Op.class);
    private final Map<Op, Histogram> totals = new EnumMap<>(Op.class);
    private final List<String> firstErrors = new ArrayList<>();

    Stats() {
        for (Op op : Op.values()) {
            recorders.put(op, new Recorder(HIGHEST_MICROS, 3));
            totals.put(op, new Histogram(HIGHEST_MICROS, 3));
        }
    }

    /** Records one round trip of {@code op} that started at {@code t0} ({@link System#nanoTime()}). */
    void record(Op op, long t0) {
        long micros = (System.nanoTime() - t0) / 1000;
        recorders.get(op).recordValue(Math.min(Math.max(micros, 0), HIGHEST_MICROS));
    }

    /** Counts an error and keeps the first few descriptions for the report. */
    void error(String what, Throwable cause) {
        errors.increment();
        synchronized (firstErrors) {
            if (firstErrors.size() < KEPT_ERRORS) {
                String msg = cause == null ? "" : ": " + describe(cause);
                firstErrors.add(what + msg);
            }
        }
    }

    private static String describe(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException
                || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return c.getClass().getSimpleName() + (m == null ? "" : " " + (m.length() > 300 ? m.substring(0, 300) : m));
    }

    List<String> firstErrors() {
        synchronized (firstErrors) {
            return List.copyOf(firstErrors);
        }
    }

    /** The latencies recorded since the last call, also folded into the totals. */
    synchronized Histogram interval(Op op) {
        Histogram h = recorders.get(op).getIntervalHistogram();
        totals.get(op).add(h);
        return h;
    }

    /** Forgets every latency recorded so far (the end of the warm-up). */
    synchronized void resetLatencies() {
        for (Op op : Op.values()) {
            recorders.get(op).getIntervalHistogram();
            totals.get(op).reset();
        }
    }

    /** Everything recorded so far. */
    synchronized Histogram total(Op op) {
        interval(op);
        return totals.get(op).copy();
    }

    /** Microseconds since the run began, plus one (so that 0 can mean "never"). */
    int stamp() {
        long micros = (System.nanoTime() - startNanos) / 1000 + 1;
        return (int) Math.min(micros, Integer.MAX_VALUE);
    }
}
