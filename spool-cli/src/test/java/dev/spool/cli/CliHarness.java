package dev.spool.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the {@code spool} command line in-process and captures what it printed. */
final class CliHarness {
    private CliHarness() {
    }

    /**
     * What a command did.
     *
     * @param code exit code
     * @param out standard output
     * @param err standard error
     */
    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SpoolCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }
}
