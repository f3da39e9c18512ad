package dev.spool.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.spool.api.Broker;
import dev.spool.api.BrowseRequest;
import dev.spool.api.MessageIds;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.client.SpoolClient;

/** {@code spool message get|list}: the task view of one message, or a page of messages by state. */
@Command(name = "message", mixinStandardHelpOptions = true, description = "Look at messages without leasing them.",
        subcommands = {MessageCommand.Get.class, MessageCommand.ListMessages.class})
final class MessageCommand {

    /** {@code message get QUEUE ID}. */
    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "Show a message's state, attempts, last error and result (the task view).")
    static final class Get extends ClientCommand {
        @Parameters(index = "0", paramLabel = "QUEUE")
        String queue;

        @Parameters(index = "1", paramLabel = "ID")
        String id;

        @Option(names = {"-g", "--group"}, paramLabel = "GROUP", defaultValue = Broker.DEFAULT_GROUP)
        String group;

        @Option(names = {"-w", "--wait-ms"}, paramLabel = "MS", defaultValue = "0",
                description = "Wait up to this long for a terminal state (acked, dead, expired).")
        long waitMs;

        @Override
        Integer run(SpoolClient client, Output o) {
            MessageView v = SpoolClient.await(client.getMessage(queue, MessageIds.parse(id, "id"),
                    new MessageQuery(group, waitMs)));
            if (o.json()) {
                o.print(Output.view(v));
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("id", v.idString()));
            rows.add(List.of("queue", v.queue()));
            rows.add(List.of("group", v.group()));
            rows.add(List.of("state", v.state().wire()));
            rows.add(List.of("attempts", Integer.toString(v.attempts())));
            rows.add(List.of("enqueued_at", java.time.Instant.ofEpochMilli(v.enqueuedAt()).toString()));
            if (v.availableAt() != 0) {
                rows.add(List.of("available_at", java.time.Instant.ofEpochMilli(v.availableAt()).toString()));
            }
            v.lastError().ifPresent(e -> rows.add(List.of("last_error", e)));
            v.result().ifPresent(r -> rows.add(List.of("result", Output.cell(r.payload(), r.contentType()))));
            v.body().ifPresent(b -> {
                rows.add(List.of("content_type", b.contentType()));
                b.key().ifPresent(k -> rows.add(List.of("key", k)));
                rows.add(List.of("priority", Integer.toString(b.priority())));
                for (Map.Entry<String, String> h : b.headers().entrySet()) {
                    rows.add(List.of("header." + h.getKey(), h.getValue()));
                }
                rows.add(List.of("payload", Output.cell(b.payload(), b.contentType())));
            });
            o.table(List.of("FIELD", "VALUE"), rows);
            return ExitCodes.OK;
        }
    }

    /** {@code message list QUEUE}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List messages of a state (ready, delayed, in_flight, dead) in id order, without leasing.")
    static final class ListMessages extends ClientCommand {
        @Parameters(index = "0", paramLabel = "QUEUE")
        String queue;

        @Option(names = "--state", paramLabel = "STATE", defaultValue = "ready",
                description = "ready (default), delayed, in_flight or dead.")
        String state;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100") int limit;
        @Option(names = "--after", paramLabel = "ID", description = "Only ids after this one (paging).") String after;
        @Option(names = {"-g", "--group"}, paramLabel = "GROUP", defaultValue = Broker.DEFAULT_GROUP) String group;

        @Override
        Integer run(SpoolClient client, Output o) {
            List<MessageView> vs = SpoolClient.await(client.browse(queue, new BrowseRequest(group,
                    MessageState.fromWire(state, "--state"), limit, after == null ? 0 : MessageIds.parse(after, "--after"))));
            if (o.json()) {
                ObjectNode doc = Output.JSON.createObjectNode();
                ArrayNode a = doc.putArray("messages");
                vs.forEach(v -> a.add(Output.view(v)));
                if (vs.size() == limit && !vs.isEmpty()) {
                    doc.put("next_after", vs.get(vs.size() - 1).idString());
                }
                o.print(doc);
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (MessageView v : vs) {
                rows.add(List.of(v.idString(), v.state().wire(), Integer.toString(v.attempts()),
                        v.lastError().orElse("-"),
                        v.body().map(b -> Output.cell(b.payload(), b.contentType())).orElse("-")));
            }
            o.table(List.of("ID", "STATE", "ATTEMPTS", "LAST_ERROR", "PAYLOAD"), rows);
            return ExitCodes.OK;
        }
    }
}
