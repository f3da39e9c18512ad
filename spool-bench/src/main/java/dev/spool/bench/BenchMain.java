package dev.spool.bench;

import picocli.CommandLine;

/**
 * Runs {@link BenchCommand} on its own:
 * {@code java -cp spool-bench/target/benchmarks.jar dev.spool.bench.BenchMain <scenario> [options]}.
 */
public final class BenchMain {
    private BenchMain() {
    }

    /**
     * Runs the command and exits with its code (1 when a message was lost or the run failed, 2 for
     * bad usage).
     *
     * @param args the scenario and its options
     */
    public static void main(String[] args) {
        if (System.getProperty("logback.statusListenerClass") == null) {
            // logback's start-up status dump is noise in a benchmark report
            System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        }
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.setExecutionExceptionHandler((e, c, parsed) -> {
            c.getErr().println("bench failed: " + e);
            return CommandLine.ExitCode.SOFTWARE;
        });
        System.exit(cl.execute(args));
    }
}
