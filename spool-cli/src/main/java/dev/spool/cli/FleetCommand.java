package dev.spool.cli;

import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.spool.client.SpoolClient;

/**
 * {@code spool fleet status ID}: a fleet push's progress ({@code docs/push.md}, Fleet push), followed
 * live with a progress bar until the fleet is done or canceled ({@code --once} prints it once;
 * {@code --json} prints the server's document, one line per change).
 */
@Command(name = "fleet", mixinStandardHelpOptions = true, description = "Follow fleet pushes.",
        subcommands = {FleetCommand.Status.class})
final class FleetCommand {
    private static final int BAR = 30;

    /** {@code fleet status ID [--once] [--interval-ms N]}. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Print a fleet's progress, live until it is done or canceled.")
    static final class Status extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "The fleet id (POST /v1/fleets answered it).")
        String id;

        @Option(names = "--once", description = "Print the progress once and exit.")
        boolean once;

        @Option(names = "--interval-ms", paramLabel = "MS", defaultValue = "500",
                description = "How often to ask the server while following (default ${DEFAULT-VALUE}).")
        long intervalMs;

        @Override
        Integer run(SpoolClient client, Output o) throws InterruptedException {
            String last = null;
            boolean tty = !o.json() && System.console() != null;
            while (true) {
                JsonNode f = SpoolClient.await(client.fleet(id));
                String line = o.json() ? f.toString() : line(f);
                boolean finished = !"running".equals(f.path("state").asText());
                if (!line.equals(last)) {
                    if (o.json()) {
                        o.printLine(f);
                    } else if (tty) {
                        o.out().print("\r" + line);
                    } else {
                        o.out().println(line);
                    }
                    o.out().flush();
                    last = line;
                }
                if (finished || once) {
                    if (tty) {
                        o.out().println();
                    }
                    return ExitCodes.OK;
                }
                // polling a server on an interval the user chose
                TimeUnit.MILLISECONDS.sleep(Math.max(50, intervalMs));
            }
        }
    }

    /** {@code [#########.....]  45.0%  45/100 delivered  0 failed  3 in flight  52 pending  0 retrying  running}. */
    static String line(JsonNode f) {
        JsonNode c = f.path("counts");
        double pct = f.path("percent").asDouble();
        int filled = (int) Math.round(pct / 100 * BAR);
        StringBuilder b = new StringBuilder("[");
        b.append("#".repeat(Math.max(0, Math.min(BAR, filled)))).append(".".repeat(Math.max(0, BAR - filled)))
                .append("] ").append(String.format(java.util.Locale.ROOT, "%5.1f%%", pct));
        b.append("  ").append(c.path("delivered").asLong()).append('/').append(c.path("total").asLong())
                .append(" delivered  ").append(c.path("failed").asLong()).append(" failed  ")
                .append(c.path("in_flight").asLong()).append(" in flight  ").append(c.path("pending").asLong())
                .append(" pending  ").append(c.path("retrying").asLong()).append(" retrying");
        if (c.path("canceled").asLong() > 0) {
            b.append("  ").append(c.path("canceled").asLong()).append(" canceled");
        }
        return b.append("  ").append(f.path("state").asText()).toString();
    }
}
