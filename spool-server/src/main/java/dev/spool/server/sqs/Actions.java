package dev.spool.server.sqs;

import java.util.List;
import java.util.concurrent.CompletionStage;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The SQS actions by name, the one place that lists what the endpoint serves. */
final class Actions {
    /** Every action served, in the order of {@code docs/sqs.md}. */
    static final List<String> NAMES = List.of("CreateQueue", "GetQueueUrl", "ListQueues", "DeleteQueue", "PurgeQueue",
            "GetQueueAttributes", "SetQueueAttributes", "SendMessage", "SendMessageBatch", "ReceiveMessage",
            "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch",
            "ListDeadLetterSourceQueues", "StartMessageMoveTask", "ListMessageMoveTasks", "CancelMessageMoveTask",
            "TagQueue", "UntagQueue", "ListQueueTags");
    /** Actions of SQS that Spool answers with {@code UnsupportedOperation}. */
    static final List<String> UNSUPPORTED = List.of("AddPermission", "RemovePermission");

    private final QueueActions queues;
    private final MessageActions messages;
    private final Receive receive;
    private final MoveActions moves;
    private final Arns arns;

    Actions(SqsContext cx) {
        this.queues = new QueueActions(cx);
        this.messages = new MessageActions(cx);
        this.receive = new Receive(cx);
        this.moves = new MoveActions(cx);
        this.arns = cx.arns;
    }

    CompletionStage<ObjectNode> run(String action, Params p, Call call) {
        SqsAccess.check(action, p, call.principal(), arns);
        return switch (action) {
            case "CreateQueue" -> queues.create(p, call);
            case "GetQueueUrl" -> queues.getUrl(p, call);
            case "ListQueues" -> queues.list(p, call);
            case "DeleteQueue" -> queues.delete(p);
            case "PurgeQueue" -> queues.purge(p);
            case "GetQueueAttributes" -> queues.getAttributes(p);
            case "SetQueueAttributes" -> queues.setAttributes(p, call);
            case "SendMessage" -> messages.send(p, call);
            case "SendMessageBatch" -> messages.sendBatch(p, call);
            case "ReceiveMessage" -> receive.receive(p, call);
            case "DeleteMessage" -> messages.delete(p);
            case "DeleteMessageBatch" -> messages.deleteBatch(p);
            case "ChangeMessageVisibility" -> messages.changeVisibility(p);
            case "ChangeMessageVisibilityBatch" -> messages.changeVisibilityBatch(p);
            case "ListDeadLetterSourceQueues" -> queues.deadLetterSources(p, call);
            case "StartMessageMoveTask" -> moves.start(p, call);
            case "ListMessageMoveTasks" -> moves.list(p);
            case "CancelMessageMoveTask" -> moves.cancel(p);
            case "TagQueue" -> queues.tag(p);
            case "UntagQueue" -> queues.untag(p);
            case "ListQueueTags" -> queues.listTags(p);
            case "AddPermission", "RemovePermission" -> throw SqsError.unsupported(
                    "Spool has no SQS permissions; " + action + " is not supported.");
            default -> throw SqsError.invalidAction(action);
        };
    }
}
