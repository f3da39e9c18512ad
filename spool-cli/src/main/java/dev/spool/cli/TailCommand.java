package dev.spool.cli;

import java.util.List;
import java.util.Optional;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.Delivery;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;
import dev.spool.client.SpoolClient;

/**
 * {@code spool tail}: consumes a queue and prints each message as it arrives, until interrupted
 * (or {@code --max} messages). Each message is acknowledged right after it is printed, so it is
 * consumed; one interrupted between the two comes back after its lease.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = "Consume and print messages until interrupted (Ctrl-C) or --max messages.")
final class TailCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "QUEUE")
    String queue;

    @Option(names = {"-g", "--group"}, paramLabel = "GROUP", defaultValue = Broker.DEFAULT_GROUP)
    String group;

    @Option(names = {"-n", "--max"}, paramLabel = "N", description = "Stop after N messages.")
    Long max;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "100", description = "Messages per pop (default 100).")
    int batch;

    @Option(names = "--wait-ms", paramLabel = "MS", defaultValue = "20000",
            description = "Long-poll wait of each pop (default 20000; at most the server's max-wait-ms).")
    long waitMs;

    @Override
    Integer run(SpoolClient client, Output o) {
        long seen = 0;
        while (max == null || seen < max) {
            int n = (int) Math.min(batch, max == null ? batch : max - seen);
            List<Delivery> ds = SpoolClient.await(client.pop(queue, new PopRequest(group, n, 0, waitMs)));
            if (ds.isEmpty()) {
                continue;
            }
            for (Delivery d : ds) {
                if (o.json()) {
                    o.printLine(Output.delivery(d));
                } else {
                    o.out().println(d.idString() + "  " + Output.text(d.body().payload(), d.body().contentType()));
                }
            }
            o.out().flush();
            SpoolClient.await(client.ack(queue, new AckRequest(group, Receipts.of(ds), Optional.empty())));
            seen += ds.size();
        }
        return ExitCodes.OK;
    }
}
