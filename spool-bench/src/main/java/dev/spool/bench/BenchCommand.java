package dev.spool.bench;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spool bench <scenario>}: end-to-end load scenarios against a running server ({@code --url})
 * or one started in process ({@code --storage}, {@code --fsync}; by default a journal in a
 * temporary directory with fsync=always). Every scenario prints a live progress line on stderr once
 * a second and a final report on stdout ending with one line
 * {@code RESULT scenario=<name> msgs_per_s=<n> p50_ms=<x> p99_ms=<y> lost=<n> duplicated=<n> ...};
 * the exit code is 1 when a message whose push the server acknowledged was never consumed.
 *
 * <p>Self-contained so that the {@code spool} CLI can register it as a subcommand;
 * {@link BenchMain} runs it on its own.
 */
@Command(name = "bench", sortOptions = false,
        description = {"End-to-end load scenarios with latency percentiles, a delivery audit and a CPU split.",
            "Prints a progress line on stderr once a second and ends with a RESULT line;",
            "exits 1 when a message the server acknowledged was never consumed."},
        subcommands = {Scenarios.Throughput.class, Scenarios.ClaimLatency.class, Scenarios.Lockd.class,
            Scenarios.BatchPush.class, Scenarios.Large.class, Scenarios.Fanout.class, LockScenario.class,
            PushBench.class, Workloads.W1.class, Workloads.W2.class})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    /** Creates the command (picocli instantiates it). */
    public BenchCommand() {
    }

    /** Without a scenario: prints the usage and fails. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }
}
