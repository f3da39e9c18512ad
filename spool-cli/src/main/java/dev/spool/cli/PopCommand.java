package dev.spool.cli;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.Delivery;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;
import dev.spool.client.SpoolClient;

/** {@code spool pop}: lease messages and print them with their receipts. */
@Command(name = "pop", mixinStandardHelpOptions = true,
        description = "Lease up to --max messages and print them with the receipts to ack them with.")
final class PopCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "QUEUE")
    String queue;

    @Option(names = {"-n", "--max"}, paramLabel = "N", defaultValue = "1", description = "Most messages (default 1).")
    int max;

    @Option(names = {"-w", "--wait-ms"}, paramLabel = "MS", defaultValue = "0",
            description = "Wait this long for a first message (default 0).")
    long waitMs;

    @Option(names = "--visibility-ms", paramLabel = "MS", defaultValue = "0",
            description = "Lease length (default: the queue's visibility timeout).")
    long visibilityMs;

    @Option(names = {"-g", "--group"}, paramLabel = "GROUP", defaultValue = Broker.DEFAULT_GROUP)
    String group;

    @Option(names = "--ack", description = "Acknowledge the messages at once (consume them).")
    boolean ack;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE",
            description = "Write the payload of the one message popped to FILE as raw bytes (a raw pop: no base64, "
                + "no JSON body limit).")
    java.nio.file.Path out;

    @Override
    Integer run(SpoolClient client, Output o) throws java.io.IOException {
        PopRequest request = new PopRequest(group, max, visibilityMs, waitMs);
        List<Delivery> ds;
        if (out != null) {
            if (max != 1) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--out takes one message: "
                        + "leave --max at 1");
            }
            // a raw pop: the payload comes as the reply body, not base64 inside a JSON document
            ds = SpoolClient.await(client.popRaw(queue, request)).map(List::of).orElse(List.of());
            for (Delivery d : ds) {
                java.nio.file.Files.write(out, d.body().payload().toBytes());
            }
        } else {
            ds = SpoolClient.await(client.pop(queue, request));
        }
        if (ack && !ds.isEmpty()) {
            SpoolClient.await(client.ack(queue, new AckRequest(group, Receipts.of(ds), java.util.Optional.empty())));
        }
        if (o.json()) {
            ObjectNode doc = Output.JSON.createObjectNode();
            ArrayNode a = doc.putArray("messages");
            for (Delivery d : ds) {
                ObjectNode n = Output.delivery(d);
                if (out != null) {
                    n.remove(List.of("payload", "payload_base64"));
                    n.put("payload_file", out.toString());
                    n.put("payload_bytes", d.body().payload().size());
                }
                a.add(n);
            }
            o.print(doc);
        } else if (ds.isEmpty()) {
            err().println("no messages");
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (Delivery d : ds) {
                rows.add(List.of(d.idString(), ack ? "(acked)" : d.receipt(), Integer.toString(d.attempts()),
                        d.body().key().orElse("-"), out != null ? d.body().payload().size() + " bytes written to " + out
                                : Output.cell(d.body().payload(), d.body().contentType())));
            }
            o.table(List.of("ID", "RECEIPT", "ATTEMPTS", "KEY", "PAYLOAD"), rows);
        }
        return ExitCodes.OK;
    }
}
