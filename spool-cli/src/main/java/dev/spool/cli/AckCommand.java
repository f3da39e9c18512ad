package dev.spool.cli;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.ExtendRequest;
import dev.spool.api.NackRequest;
import dev.spool.api.Outcomes;
import dev.spool.api.Payload;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.TaskResult;
import dev.spool.client.SpoolClient;

/**
 * {@code spool ack}: acknowledge deliveries by receipt, or with {@code --nack} give them back, or with
 * {@code --extend MS} prolong their leases. Prints each receipt's outcome; exits 4 when any receipt
 * was not applied.
 */
@Command(name = "ack", mixinStandardHelpOptions = true,
        description = "Acknowledge deliveries by receipt (or --nack / --extend them); exit 4 if any was stale.")
final class AckCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "QUEUE")
    String queue;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "RECEIPT")
    List<String> receipts;

    @Option(names = {"-g", "--group"}, paramLabel = "GROUP", defaultValue = Broker.DEFAULT_GROUP)
    String group;

    @Option(names = "--result", paramLabel = "JSON", description = "A JSON task result stored with the messages.")
    String result;

    @Option(names = "--nack", description = "Give the messages back instead (retry after the backoff or --delay-ms).")
    boolean nack;

    @Option(names = "--delay-ms", paramLabel = "MS", description = "With --nack: retry after this delay.")
    Long delayMs;

    @Option(names = "--reason", paramLabel = "TEXT", description = "With --nack: why (kept as last_error).")
    String reason;

    @Option(names = "--extend", paramLabel = "MS", description = "Extend the leases by this many ms instead.")
    Long extendMs;

    @Override
    Integer run(SpoolClient client, Output o) {
        if (nack && extendMs != null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--nack and --extend exclude each other");
        }
        Receipts r = Receipts.parse(receipts, "receipts");
        Outcomes out;
        if (nack) {
            out = SpoolClient.await(client.nack(queue, new NackRequest(group, r,
                    delayMs == null ? OptionalLong.empty() : OptionalLong.of(delayMs), Optional.ofNullable(reason))));
        } else if (extendMs != null) {
            out = SpoolClient.await(client.extend(queue, new ExtendRequest(group, r, extendMs)));
        } else {
            Optional<TaskResult> res = result == null ? Optional.empty()
                    : Optional.of(new TaskResult(Payload.of(result.getBytes(StandardCharsets.UTF_8)), "application/json"));
            out = SpoolClient.await(client.ack(queue, new AckRequest(group, r, res)));
        }
        if (o.json()) {
            ObjectNode doc = Output.JSON.createObjectNode();
            ArrayNode a = doc.putArray("results");
            for (int i = 0; i < out.size(); i++) {
                a.addObject().put("receipt", r.format(i)).put("status", out.get(i).wire());
            }
            o.print(doc);
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (int i = 0; i < out.size(); i++) {
                rows.add(List.of(r.format(i), out.get(i).wire()));
            }
            o.table(List.of("RECEIPT", "STATUS"), rows);
        }
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i) != ReceiptOutcome.OK) {
                return ExitCodes.PARTIAL;
            }
        }
        return ExitCodes.OK;
    }
}
