package dev.spool.cli;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.spool.api.GroupInfo;
import dev.spool.api.GroupSpec;
import dev.spool.api.StartPosition;
import dev.spool.client.SpoolClient;

/** {@code spool group create|list|delete}: named consumer groups (fan-out). */
@Command(name = "group", mixinStandardHelpOptions = true, description = "Create, list and delete consumer groups.",
        subcommands = {GroupCommand.Create.class, GroupCommand.ListGroups.class, GroupCommand.Delete.class})
final class GroupCommand {

    /** {@code group create QUEUE GROUP}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a group that receives every message pushed after its start.")
    static final class Create extends ClientCommand {
        @Parameters(index = "0", paramLabel = "QUEUE") String queue;
        @Parameters(index = "1", paramLabel = "GROUP") String group;

        @Option(names = "--start", paramLabel = "START", defaultValue = "latest",
                description = "earliest, latest (default), epoch ms or an ISO-8601 instant.")
        String start;

        @Override
        Integer run(SpoolClient client, Output o) {
            GroupInfo g = SpoolClient.await(client.putGroup(queue, group,
                    new GroupSpec(StartPosition.parse(start, "--start"))));
            print(o, List.of(g), false);
            return ExitCodes.OK;
        }
    }

    /** {@code group list QUEUE}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a queue's groups, default first.")
    static final class ListGroups extends ClientCommand {
        @Parameters(index = "0", paramLabel = "QUEUE") String queue;

        @Override
        Integer run(SpoolClient client, Output o) {
            print(o, SpoolClient.await(client.listGroups(queue)), true);
            return ExitCodes.OK;
        }
    }

    /** {@code group delete QUEUE GROUP}. */
    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a named group.")
    static final class Delete extends ClientCommand {
        @Parameters(index = "0", paramLabel = "QUEUE") String queue;
        @Parameters(index = "1", paramLabel = "GROUP") String group;

        @Override
        Integer run(SpoolClient client, Output o) {
            SpoolClient.await(client.deleteGroup(queue, group));
            if (o.json()) {
                o.print(Output.JSON.createObjectNode().put("deleted", group));
            } else {
                o.out().println("deleted group " + group + " of " + queue);
            }
            return ExitCodes.OK;
        }
    }

    static void print(Output o, List<GroupInfo> groups, boolean list) {
        if (o.json()) {
            if (list) {
                ObjectNode doc = Output.JSON.createObjectNode();
                ArrayNode a = doc.putArray("groups");
                groups.forEach(g -> a.add(Output.group(g)));
                o.print(doc);
            } else {
                o.print(Output.group(groups.get(0)));
            }
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (GroupInfo g : groups) {
            rows.add(QueueCommand.groupRow(g.name(), g.start().wire(), g.stats()));
        }
        o.table(List.of("GROUP", "START", "READY", "DELAYED", "IN_FLIGHT", "DEAD", "OLDEST"), rows);
    }
}
