package dev.spool.server.sqs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.Delivery;
import dev.spool.api.MessageBody;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueInfo;
import dev.spool.api.Receipts;
import dev.spool.api.RedriveRequest;
import dev.spool.api.TxOp;

/**
 * Message move tasks: moving the messages of a dead-letter queue back.
 *
 * <p>Without {@code DestinationArn}, each source queue whose dead letters go to the queue gets them
 * back through Spool's redrive (new ids, receive counts at zero). With {@code DestinationArn}, the
 * messages are leased from the dead-letter queue in batches and each batch is pushed to the
 * destination and deleted from the dead-letter queue in one Spool transaction, so a crash moves a
 * batch completely or not at all. Either way the move is finished before StartMessageMoveTask
 * replies; {@code MaxNumberOfMessagesPerSecond} is not honoured.
 */
final class MoveActions {
    private static final int BATCH = 100;

    private final SqsContext cx;

    MoveActions(SqsContext cx) {
        this.cx = cx;
    }

    CompletionStage<ObjectNode> start(Params p, Call call) {
        String source = cx.arns.queueName(p.required("SourceArn"), "SourceArn");
        Optional<String> dest = p.string("DestinationArn").map(a -> cx.arns.queueName(a, "DestinationArn"));
        p.integer("MaxNumberOfMessagesPerSecond", 1, 500);
        String handle = Base64.getEncoder().encodeToString((UUID.randomUUID() + ":" + cx.arns.arn(source))
                .getBytes(StandardCharsets.UTF_8));
        long started = System.currentTimeMillis();
        return cx.view(source).thenCompose(src -> dest.isPresent()
                ? cx.view(dest.get()).thenCompose(d -> moveTo(src.name(), d.name(), 0))
                : redriveSources(src.name(), call)).handle((moved, e) -> {
                    if (e != null) {
                        SqsError err = SqsContext.translate(e);
                        if (err.shape.equals("QueueDoesNotExist") || err.shape.equals("InvalidParameterValue")
                                || err.status == 403) {
                            throw err;
                        }
                        cx.moves.add(new MoveTasks.Task(handle, source, dest.orElse(""), 0, err.getMessage(),
                                started));
                    } else {
                        cx.moves.add(new MoveTasks.Task(handle, source, dest.orElse(""), moved, "", started));
                    }
                    ObjectNode out = QueueActions.obj();
                    out.put("TaskHandle", handle);
                    return out;
                });
    }

    /** Back to every queue whose dead letters go to {@code dlq}; the caller must administer each. */
    private CompletionStage<Long> redriveSources(String dlq, Call call) {
        return cx.broker.listQueues().thenCompose(all -> {
            List<String> sources = new ArrayList<>();
            for (QueueInfo q : all) {
                if (q.config().maxAttempts() > 0 && q.config().deadLetterQueueFor(q.name()).equals(dlq)) {
                    sources.add(q.name());
                }
            }
            if (sources.isEmpty()) {
                throw SqsError.invalidParameter("Source queue must be configured as a Dead Letter Queue.");
            }
            for (String s : sources) {
                SqsAccess.need(call.principal(), dev.spool.server.security.Permission.Action.ADMIN, s);
            }
            CompletionStage<Long> total = CompletableFuture.completedFuture(0L);
            for (String s : sources) {
                total = total.thenCompose(n -> redriveAll(s, n));
            }
            return total;
        });
    }

    private CompletionStage<Long> redriveAll(String source, long sofar) {
        int limit = cx.broker.settings().limits().maxBatch();
        return cx.broker.redrive(source, new RedriveRequest(Broker.DEFAULT_GROUP, limit))
                .thenCompose(n -> n < limit ? CompletableFuture.completedFuture(sofar + n)
                        : redriveAll(source, sofar + n));
    }

    private CompletionStage<Long> moveTo(String dlq, String dest, long sofar) {
        int max = Math.min(BATCH, cx.broker.settings().limits().maxPop());
        return cx.broker.pop(dlq, new PopRequest(Broker.DEFAULT_GROUP, max, 60_000, 0)).thenCompose(ds -> {
            if (ds.isEmpty()) {
                return CompletableFuture.completedFuture(sofar);
            }
            return cx.blocking(() -> copies(ds)).thenCompose(msgs -> cx.broker.transact(List.of(
                    new TxOp.Push(dest, msgs), new TxOp.Ack(dlq, AckRequest.of(Receipts.of(ds))))))
                    .thenCompose(r -> {
                        cx.counters.popped(dlq, ds.size());
                        cx.counters.pushed(dest, ds.size());
                        cx.counters.acked(dlq, ds.size());
                        return moveTo(dlq, dest, sofar + ds.size());
                    });
        });
    }

    /** The messages again, payloads read into memory (a journal region may move once acked). */
    private static List<NewMessage> copies(List<Delivery> ds) {
        List<NewMessage> out = new ArrayList<>();
        for (Delivery d : ds) {
            MessageBody b = d.body();
            MessageBody copy = new MessageBody(Payload.of(b.payload().toBytes()), b.contentType(), b.headers(),
                    b.key(), b.priority(), b.traceparent());
            out.add(new NewMessage(copy, 0, 0, 0, Optional.empty()));
        }
        return out;
    }

    CompletionStage<ObjectNode> list(Params p) {
        String source = cx.arns.queueName(p.required("SourceArn"), "SourceArn");
        int max = p.integer("MaxResults", 1, 10).orElse(1);
        return cx.view(source).thenApply(q -> {
            ObjectNode out = QueueActions.obj();
            ArrayNode results = out.putArray("Results");
            List<MoveTasks.Task> tasks = cx.moves.list(source);
            for (int i = 0; i < tasks.size() && i < max; i++) {
                MoveTasks.Task t = tasks.get(i);
                ObjectNode r = results.addObject();
                r.put("Status", t.failure().isEmpty() ? "COMPLETED" : "FAILED");
                r.put("SourceArn", cx.arns.arn(t.source()));
                if (!t.destination().isEmpty()) {
                    r.put("DestinationArn", cx.arns.arn(t.destination()));
                }
                r.put("ApproximateNumberOfMessagesMoved", t.moved());
                if (!t.failure().isEmpty()) {
                    r.put("FailureReason", t.failure());
                }
                r.put("StartedTimestamp", t.startedAt());
            }
            return out;
        });
    }

    CompletionStage<ObjectNode> cancel(Params p) {
        String handle = p.required("TaskHandle");
        if (!cx.moves.exists(handle)) {
            throw SqsError.resourceNotFound("Task does not exist.");
        }
        throw SqsError.unsupported("Only running tasks can be cancelled; Spool finishes a move task before "
                + "StartMessageMoveTask replies.");
    }
}
