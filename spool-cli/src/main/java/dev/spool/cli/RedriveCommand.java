package dev.spool.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.spool.api.Broker;
import dev.spool.api.RedriveRequest;
import dev.spool.client.SpoolClient;

/** {@code spool redrive}: move a group's dead letters back into the queue. */
@Command(name = "redrive", mixinStandardHelpOptions = true,
        description = "Move dead letters back to the queue (new ids, attempts reset).")
final class RedriveCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "QUEUE")
    String queue;

    @Option(names = {"-g", "--group"}, paramLabel = "GROUP", defaultValue = Broker.DEFAULT_GROUP)
    String group;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
            description = "Most messages to move (default ${DEFAULT-VALUE}; at most the server's max-batch).")
    int limit;

    @Option(names = "--id", paramLabel = "ID",
            description = "Move only this dead letter (repeatable; ids as `spool message list QUEUE --state dead` "
                    + "shows them). Ids that are not dead letters of the group are skipped.")
    java.util.List<String> ids = new java.util.ArrayList<>();

    @Override
    Integer run(SpoolClient client, Output o) {
        java.util.List<Long> selected = new java.util.ArrayList<>(ids.size());
        for (String id : ids) {
            selected.add(dev.spool.api.MessageIds.parse(id, "--id"));
        }
        long moved = SpoolClient.await(client.redrive(queue, new RedriveRequest(group, limit, selected)));
        if (o.json()) {
            o.print(Output.JSON.createObjectNode().put("moved", moved));
        } else {
            o.out().println("moved " + moved + " dead letters back to " + queue);
        }
        return ExitCodes.OK;
    }
}
