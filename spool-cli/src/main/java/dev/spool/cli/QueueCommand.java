package dev.spool.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.spool.api.GroupInfo;
import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;
import dev.spool.api.QueueStats;
import dev.spool.client.SpoolClient;

/** {@code spool queue create|list|stats|delete|purge}. */
@Command(name = "queue", mixinStandardHelpOptions = true, description = "Create, list, inspect, delete and purge queues.",
        subcommands = {QueueCommand.Create.class, QueueCommand.ListQueues.class, QueueCommand.Stats.class,
            QueueCommand.Delete.class, QueueCommand.Purge.class})
final class QueueCommand {

    /** {@code queue create NAME [settings]}: create, or change only the settings given. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a queue, or change the given settings of an existing one (PUT /v1/queues/{q}).")
    static final class Create extends ClientCommand {
        @Parameters(index = "0", paramLabel = "QUEUE")
        String queue;

        @Option(names = "--visibility-timeout-ms", paramLabel = "MS") Long visibilityTimeoutMs;
        @Option(names = "--max-attempts", paramLabel = "N", description = "0 = unlimited") Integer maxAttempts;
        @Option(names = "--dead-letter-queue", paramLabel = "QUEUE") String deadLetterQueue;
        @Option(names = "--retention-ms", paramLabel = "MS") Long retentionMs;
        @Option(names = "--message-ttl-ms", paramLabel = "MS") Long messageTtlMs;
        @Option(names = "--max-message-bytes", paramLabel = "BYTES") Long maxMessageBytes;
        @Option(names = "--dedup-window-ms", paramLabel = "MS") Long dedupWindowMs;
        @Option(names = "--result-ttl-ms", paramLabel = "MS") Long resultTtlMs;

        @Override
        Integer run(SpoolClient client, Output o) {
            Map<String, Object> s = new LinkedHashMap<>();
            put(s, "visibility_timeout_ms", visibilityTimeoutMs);
            put(s, "max_attempts", maxAttempts);
            put(s, "dead_letter_queue", deadLetterQueue);
            put(s, "retention_ms", retentionMs);
            put(s, "message_ttl_ms", messageTtlMs);
            put(s, "max_message_bytes", maxMessageBytes);
            put(s, "dedup_window_ms", dedupWindowMs);
            put(s, "result_ttl_ms", resultTtlMs);
            QueueInfo q = SpoolClient.await(client.patchQueue(queue, s));
            if (o.json()) {
                o.print(Output.queue(q));
            } else {
                details(o, q);
            }
            return ExitCodes.OK;
        }

        private static void put(Map<String, Object> m, String k, Object v) {
            if (v != null) {
                m.put(k, v);
            }
        }
    }

    /** {@code queue list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List queues with their counts.")
    static final class ListQueues extends ClientCommand {
        @Override
        Integer run(SpoolClient client, Output o) {
            List<QueueInfo> qs = SpoolClient.await(client.listQueues());
            if (o.json()) {
                ObjectNode doc = Output.JSON.createObjectNode();
                ArrayNode a = doc.putArray("queues");
                qs.forEach(q -> a.add(Output.queue(q)));
                o.print(doc);
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (QueueInfo q : qs) {
                QueueStats s = q.stats();
                rows.add(List.of(q.name(), n(s.ready()), n(s.delayed()), n(s.inFlight()), n(s.dead()),
                        Output.age(s.oldestReadyAgeMs()), n(q.groups().size())));
            }
            o.table(List.of("QUEUE", "READY", "DELAYED", "IN_FLIGHT", "DEAD", "OLDEST", "GROUPS"), rows);
            return ExitCodes.OK;
        }
    }

    /** {@code queue stats NAME}. */
    @Command(name = "stats", mixinStandardHelpOptions = true, description = "Show a queue's configuration and counts.")
    static final class Stats extends ClientCommand {
        @Parameters(index = "0", paramLabel = "QUEUE")
        String queue;

        @Override
        Integer run(SpoolClient client, Output o) {
            QueueInfo q = SpoolClient.await(client.getQueue(queue));
            if (o.json()) {
                o.print(Output.queue(q));
            } else {
                details(o, q);
            }
            return ExitCodes.OK;
        }
    }

    /** {@code queue delete NAME}. */
    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a queue and its messages.")
    static final class Delete extends ClientCommand {
        @Parameters(index = "0", paramLabel = "QUEUE")
        String queue;

        @Override
        Integer run(SpoolClient client, Output o) {
            SpoolClient.await(client.deleteQueue(queue));
            if (o.json()) {
                o.print(Output.JSON.createObjectNode().put("deleted", queue));
            } else {
                o.out().println("deleted queue " + queue);
            }
            return ExitCodes.OK;
        }
    }

    /** {@code queue purge NAME}. */
    @Command(name = "purge", mixinStandardHelpOptions = true, description = "Drop every message of a queue.")
    static final class Purge extends ClientCommand {
        @Parameters(index = "0", paramLabel = "QUEUE")
        String queue;

        @Override
        Integer run(SpoolClient client, Output o) {
            long n = SpoolClient.await(client.purgeQueue(queue));
            if (o.json()) {
                o.print(Output.JSON.createObjectNode().put("purged", n));
            } else {
                o.out().println("purged " + n + " messages from " + queue);
            }
            return ExitCodes.OK;
        }
    }

    static void details(Output o, QueueInfo q) {
        QueueConfig c = q.config();
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("queue", q.name()));
        rows.add(List.of("visibility_timeout_ms", n(c.visibilityTimeoutMs())));
        rows.add(List.of("max_attempts", n(c.maxAttempts())));
        rows.add(List.of("dead_letter_queue", c.deadLetterQueueFor(q.name())));
        rows.add(List.of("retry_backoff", c.retryBackoff().initialMs() + "ms.." + c.retryBackoff().maxMs() + "ms x"
                + c.retryBackoff().multiplier() + (c.retryBackoff().jitter() ? " jitter" : "")));
        rows.add(List.of("retention_ms", n(c.retentionMs())));
        rows.add(List.of("message_ttl_ms", n(c.messageTtlMs())));
        rows.add(List.of("max_message_bytes", n(c.maxMessageBytes())));
        rows.add(List.of("dedup_window_ms", n(c.dedupWindowMs())));
        rows.add(List.of("result_ttl_ms", n(c.resultTtlMs())));
        o.table(List.of("SETTING", "VALUE"), rows);
        o.out().println();
        List<List<String>> groups = new ArrayList<>();
        groups.add(groupRow("default", "-", q.stats()));
        for (GroupInfo g : q.groups()) {
            groups.add(groupRow(g.name(), g.start().wire(), g.stats()));
        }
        o.table(List.of("GROUP", "START", "READY", "DELAYED", "IN_FLIGHT", "DEAD", "OLDEST"), groups);
    }

    static List<String> groupRow(String name, String start, QueueStats s) {
        return List.of(name, start, n(s.ready()), n(s.delayed()), n(s.inFlight()), n(s.dead()),
                Output.age(s.oldestReadyAgeMs()));
    }

    static String n(long v) {
        return Long.toString(v);
    }
}
