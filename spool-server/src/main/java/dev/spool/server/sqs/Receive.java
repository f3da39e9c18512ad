package dev.spool.server.sqs;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spool.api.Broker;
import dev.spool.api.Delivery;
import dev.spool.api.MessageBody;
import dev.spool.api.NackRequest;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;

/**
 * ReceiveMessage: a Spool pop of the default group. {@code WaitTimeSeconds} is the pop's wait, so
 * a long poll returns as soon as a send makes a message ready (the broker wakes it; nothing polls).
 * If the client went away meanwhile, the messages are given back at once.
 */
final class Receive {
    static final Set<String> SYSTEM = Set.of("All", "SenderId", "SentTimestamp", "ApproximateReceiveCount",
            "ApproximateFirstReceiveTimestamp", "SequenceNumber", "MessageDeduplicationId", "MessageGroupId",
            "AWSTraceHeader", "DeadLetterQueueSourceArn");

    /** The header every backend puts on a dead letter: the queue it died in. */
    static final String DEAD_SOURCE_HEADER = "spool-source-queue";

    private final SqsContext cx;

    Receive(SqsContext cx) {
        this.cx = cx;
    }

    CompletionStage<ObjectNode> receive(Params p, Call call) {
        int max = p.integer("MaxNumberOfMessages", 1, 10).orElse(1);
        Optional<Integer> wait = p.integer("WaitTimeSeconds", 0, 20);
        Optional<Integer> visibility = p.integer("VisibilityTimeout", 0, 43_200);
        Set<String> system = new LinkedHashSet<>(p.strings("AttributeNames"));
        system.addAll(p.strings("MessageSystemAttributeNames"));
        for (String s : system) {
            if (!SYSTEM.contains(s)) {
                throw SqsError.invalidAttributeName(s);
            }
        }
        List<String> attrNames = p.strings("MessageAttributeNames");
        return cx.queue(p).thenCompose(q -> {
            // the server's own bounds win over SQS's (20 s, 10 messages) when configured lower
            long waitMs = Math.min(cx.broker.settings().limits().maxWaitMs(),
                    wait.orElse(q.meta().receiveWaitSeconds()) * 1000L);
            int n = Math.min(max, cx.broker.settings().limits().maxPop());
            // SQS's VisibilityTimeout 0 makes the message visible again at once; Spool's 0 means
            // "the queue's timeout", so the shortest Spool lease stands for it
            long visMs = visibility.map(v -> Math.max(1L, v * 1000L)).orElse(0L);
            return cx.broker.pop(q.name(), new PopRequest(Broker.DEFAULT_GROUP, n, visMs, waitMs))
                    .thenCompose(ds -> {
                        cx.counters.popped(q.name(), ds.size());
                        if (call.gone().getAsBoolean() && !ds.isEmpty()) {
                            return giveBack(q.name(), ds).thenApply(v -> QueueActions.obj());
                        }
                        if (allInline(ds)) {
                            return CompletableFuture.completedFuture(reply(q, ds, system, attrNames));
                        }
                        return cx.blocking(() -> reply(q, ds, system, attrNames));
                    });
        });
    }

    private CompletionStage<Void> giveBack(String queue, List<Delivery> ds) {
        return cx.broker.nack(queue, new NackRequest(Broker.DEFAULT_GROUP, Receipts.of(ds), OptionalLong.of(0),
                Optional.of("client went away before the reply"))).thenApply(o -> null);
    }

    private static boolean allInline(List<Delivery> ds) {
        for (Delivery d : ds) {
            if (!(d.body().payload() instanceof Payload.Inline)) {
                return false;
            }
        }
        return true;
    }

    private ObjectNode reply(QueueView q, List<Delivery> ds, Set<String> system, List<String> attrNames) {
        ObjectNode out = QueueActions.obj();
        if (ds.isEmpty()) {
            return out;
        }
        Received messages = new Received(ds.size());
        for (Delivery d : ds) {
            MessageBody b = d.body();
            ObjectNode attrs = system.isEmpty() ? null : systemAttributes(q, d, system);
            ObjectNode selectedJson = null;
            String md5Attributes = null;
            // the attributes header is only decoded when some attributes were asked for
            if (!attrNames.isEmpty()) {
                Map<String, MessageAttribute> selected = MessageAttributes.select(
                        MessageAttributes.decode(b.headers()), attrNames);
                if (!selected.isEmpty()) {
                    md5Attributes = Md5s.ofAttributes(selected);
                    selectedJson = MessageAttributes.toJson(selected);
                }
            }
            messages.add(d.idString(), d.receipt(), b.payload().toBytes(), attrs == null || attrs.isEmpty() ? null
                    : attrs, selectedJson, md5Attributes);
        }
        out.set("Messages", messages.node());
        return out;
    }

    private ObjectNode systemAttributes(QueueView q, Delivery d, Set<String> names) {
        ObjectNode a = QueueActions.obj();
        if (names.isEmpty()) {
            return a;
        }
        boolean all = names.contains("All");
        Map<String, String> h = d.body().headers();
        if (all || names.contains("SenderId")) {
            a.put("SenderId", h.getOrDefault(Outgoing.SENDER_HEADER, cx.config.accountId()));
        }
        if (all || names.contains("SentTimestamp")) {
            a.put("SentTimestamp", Long.toString(d.enqueuedAt()));
        }
        if (all || names.contains("ApproximateReceiveCount")) {
            a.put("ApproximateReceiveCount", Integer.toString(d.attempts()));
        }
        if (all || names.contains("ApproximateFirstReceiveTimestamp")) {
            // a first delivery is this receive; a later one needs the backend to have kept the time
            long first = d.firstDeliveredAt() > 0 ? d.firstDeliveredAt()
                    : d.attempts() == 1 ? System.currentTimeMillis() : 0;
            if (first > 0) {
                a.put("ApproximateFirstReceiveTimestamp", Long.toString(first));
            }
        }
        String source = h.get(DEAD_SOURCE_HEADER);
        if (source != null && (all || names.contains("DeadLetterQueueSourceArn"))) {
            a.put("DeadLetterQueueSourceArn", cx.arns.arn(source));
        }
        if (h.containsKey(Outgoing.TRACE_HEADER) && (all || names.contains("AWSTraceHeader"))) {
            a.put("AWSTraceHeader", h.get(Outgoing.TRACE_HEADER));
        }
        if (q.fifo()) {
            if (all || names.contains("SequenceNumber")) {
                a.put("SequenceNumber", MessageActions.sequenceNumber(d.id()));
            }
            if (h.containsKey(Outgoing.DEDUP_HEADER) && (all || names.contains("MessageDeduplicationId"))) {
                a.put("MessageDeduplicationId", h.get(Outgoing.DEDUP_HEADER));
            }
            if (d.body().key().isPresent() && (all || names.contains("MessageGroupId"))) {
                a.put("MessageGroupId", d.body().key().get());
            }
        }
        return a;
    }
}
