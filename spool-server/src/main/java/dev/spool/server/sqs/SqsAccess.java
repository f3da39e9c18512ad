package dev.spool.server.sqs;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import dev.spool.server.security.Permission.Action;
import dev.spool.server.security.Principal;

/**
 * The permission each SQS action needs, checked from the request alone before any storage is
 * read, so a refusal ({@code AccessDenied}, 403) is the same whether the queue exists or not.
 *
 * <pre>
 * SendMessage, SendMessageBatch                                  produce on the queue
 * ReceiveMessage, DeleteMessage[Batch], ChangeMessageVisibility[Batch]   consume on the queue
 * CreateQueue, DeleteQueue, PurgeQueue, SetQueueAttributes,
 * TagQueue, UntagQueue                                           admin on the queue
 *   (a RedrivePolicy also needs admin on its dead-letter queue)
 * StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask   admin on the source
 *   (and on DestinationArn; without one, on every queue the messages go back to)
 * GetQueueUrl, GetQueueAttributes, ListQueueTags,
 * ListDeadLetterSourceQueues                                     any grant on the queue
 * ListQueues                                                     any identity; lists only queues it has a grant on
 * </pre>
 *
 * A malformed queue URL or ARN is reported as such first: it names no queue, so it says nothing
 * about one.
 */
final class SqsAccess {
    private SqsAccess() {
    }

    /**
     * Refuses the request unless {@code who} may run {@code action} with these parameters.
     *
     * @throws SqsError {@code AccessDenied}
     */
    static void check(String action, Params p, Principal who, Arns arns) {
        if (who.kind() == Principal.Kind.OPEN) {
            return;
        }
        switch (action) {
            case "SendMessage", "SendMessageBatch" -> need(who, Action.PRODUCE, queueOf(p, arns));
            case "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility",
                    "ChangeMessageVisibilityBatch" -> need(who, Action.CONSUME, queueOf(p, arns));
            case "DeleteQueue", "PurgeQueue", "SetQueueAttributes", "TagQueue", "UntagQueue" ->
                    need(who, Action.ADMIN, queueOf(p, arns));
            case "CreateQueue" -> need(who, Action.ADMIN, p.string("QueueName"));
            case "GetQueueUrl" -> see(who, p.string("QueueName"));
            case "GetQueueAttributes", "ListQueueTags", "ListDeadLetterSourceQueues" -> see(who, queueOf(p, arns));
            case "StartMessageMoveTask" -> {
                need(who, Action.ADMIN, arnOf(p, "SourceArn", arns));
                need(who, Action.ADMIN, arnOf(p, "DestinationArn", arns));
            }
            case "ListMessageMoveTasks" -> need(who, Action.ADMIN, arnOf(p, "SourceArn", arns));
            case "CancelMessageMoveTask" -> need(who, Action.ADMIN, p.string("TaskHandle").flatMap(h -> source(h, arns)));
            default -> {
                // ListQueues filters its reply; unknown and unsupported actions fail on their own
            }
        }
    }

    /** Refuses unless {@code who} may do {@code action} on {@code queue}. */
    static void need(Principal who, Action action, String queue) {
        if (!who.allows(action, queue)) {
            throw denied(action.wire() + " on queue '" + queue + "'");
        }
    }

    private static void need(Principal who, Action action, Optional<String> queue) {
        if (queue.isPresent()) {
            need(who, action, queue.get());
        }
    }

    private static void see(Principal who, Optional<String> queue) {
        if (queue.isPresent() && !who.sees(queue.get())) {
            throw denied("any access to queue '" + queue.get() + "'");
        }
    }

    static SqsError denied(String what) {
        return new SqsError("AccessDeniedException", "AccessDenied", 403, true,
                "Access to the resource is denied (" + what + ").");
    }

    /** The queue of the request's QueueUrl; empty without one (the action then reports it missing). */
    private static Optional<String> queueOf(Params p, Arns arns) {
        return p.string("QueueUrl").map(arns::queueFromUrl);
    }

    private static Optional<String> arnOf(Params p, String param, Arns arns) {
        return p.string(param).map(a -> arns.queueName(a, param));
    }

    /** The source queue a move task's handle names (see {@link MoveActions}); empty if it is not a handle. */
    private static Optional<String> source(String handle, Arns arns) {
        try {
            String text = new String(Base64.getDecoder().decode(handle), StandardCharsets.UTF_8);
            int colon = text.indexOf(':');
            return colon < 0 ? Optional.empty() : Optional.of(arns.queueName(text.substring(colon + 1), "TaskHandle"));
        } catch (IllegalArgumentException | SqsError e) {
            return Optional.empty();
        }
    }
}
