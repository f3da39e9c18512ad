package dev.spool.server.sqs;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.ExtendRequest;
import dev.spool.api.MessageIds;
import dev.spool.api.NackRequest;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;

/**
 * The message actions: send, delete and change visibility, one at a time and in batches of up to
 * ten with a result per entry. Receiving is {@link Receive}.
 *
 * <p>A receipt handle is the Spool receipt of the delivery. Deleting with a stale or unknown
 * receipt handle succeeds and changes nothing, as in SQS; a malformed one is
 * {@code ReceiptHandleIsInvalid}.
 */
final class MessageActions {
    static final int MAX_ENTRIES = 10;
    /** SQS's bound on the sum of the message sizes of one batch. */
    static final long MAX_BATCH_BYTES = 1L << 20;

    private final SqsContext cx;

    MessageActions(SqsContext cx) {
        this.cx = cx;
    }

    CompletionStage<ObjectNode> send(Params p, Call call) {
        return cx.queue(p).thenCompose(q -> {
            Outgoing m = Outgoing.of(p, q, call, cx.config.accountId());
            return cx.broker.push(q.name(), List.of(m.message())).thenApply(ids -> {
                cx.counters.pushed(q.name(), ids.length);
                return sent(QueueActions.obj(), m, ids[0], q);
            });
        });
    }

    private static ObjectNode sent(ObjectNode out, Outgoing m, long id, QueueView q) {
        out.put("MessageId", MessageIds.format(id));
        out.put("MD5OfMessageBody", m.md5Body());
        if (!m.md5Attributes().isEmpty()) {
            out.put("MD5OfMessageAttributes", m.md5Attributes());
        }
        if (!m.md5System().isEmpty()) {
            out.put("MD5OfMessageSystemAttributes", m.md5System());
        }
        if (q.fifo()) {
            out.put("SequenceNumber", sequenceNumber(id));
        }
        return out;
    }

    /** SQS sequence numbers are decimal and grow per group; Spool ids grow per queue. */
    static String sequenceNumber(long id) {
        String s = Long.toUnsignedString(id);
        return "0".repeat(Math.max(0, 20 - s.length())) + s;
    }

    CompletionStage<ObjectNode> sendBatch(Params p, Call call) {
        List<Params> entries = checkEntries(p.entries("Entries"));
        return cx.queue(p).thenCompose(q -> {
            List<Outgoing> ok = new ArrayList<>();
            List<String> okIds = new ArrayList<>();
            ObjectNode out = QueueActions.obj();
            ArrayNode successful = out.putArray("Successful");
            ArrayNode failed = out.putArray("Failed");
            long total = 0;
            for (Params e : entries) {
                try {
                    Outgoing m = Outgoing.of(e, q, call, cx.config.accountId());
                    ok.add(m);
                    okIds.add(e.required("Id"));
                    total += m.message().body().payload().size();
                } catch (SqsError err) {
                    failed(failed, e.required("Id"), err);
                }
            }
            if (total > MAX_BATCH_BYTES) {
                throw SqsError.batchTooLong(MAX_BATCH_BYTES);
            }
            if (ok.isEmpty()) {
                return CompletableFuture.completedFuture(out);
            }
            List<NewMessage> msgs = new ArrayList<>();
            ok.forEach(m -> msgs.add(m.message()));
            return cx.broker.push(q.name(), msgs).thenApply(ids -> {
                cx.counters.pushed(q.name(), ids.length);
                for (int i = 0; i < ids.length; i++) {
                    sent(successful.addObject().put("Id", okIds.get(i)), ok.get(i), ids[i], q);
                }
                return out;
            });
        });
    }

    CompletionStage<ObjectNode> delete(Params p) {
        Receipts r = receipt(p.required("ReceiptHandle"));
        return cx.queue(p).thenCompose(q -> cx.broker.ack(q.name(), AckRequest.of(r)).thenApply(o -> {
            cx.counters.acked(q.name(), o.okCount());
            return QueueActions.obj();
        }));
    }

    CompletionStage<ObjectNode> deleteBatch(Params p) {
        List<Params> entries = checkEntries(p.entries("Entries"));
        return cx.queue(p).thenCompose(q -> {
            ObjectNode out = QueueActions.obj();
            ArrayNode successful = out.putArray("Successful");
            ArrayNode failed = out.putArray("Failed");
            List<String> ids = new ArrayList<>();
            List<String> handles = new ArrayList<>();
            for (Params e : entries) {
                String handle = e.string("ReceiptHandle").orElse("");
                if (parses(handle)) {
                    ids.add(e.required("Id"));
                    handles.add(handle);
                } else {
                    failed(failed, e.required("Id"), SqsError.receiptHandleIsInvalid(handle));
                }
            }
            if (ids.isEmpty()) {
                return CompletableFuture.completedFuture(out);
            }
            return cx.broker.ack(q.name(), AckRequest.of(Receipts.parse(handles, "ReceiptHandle"))).thenApply(o -> {
                cx.counters.acked(q.name(), o.okCount());
                ids.forEach(id -> successful.addObject().put("Id", id));
                return out;
            });
        });
    }

    CompletionStage<ObjectNode> changeVisibility(Params p) {
        Receipts r = receipt(p.required("ReceiptHandle"));
        int seconds = p.integer("VisibilityTimeout", 0, 43_200)
                .orElseThrow(() -> SqsError.missingParameter("VisibilityTimeout"));
        return cx.queue(p).thenCompose(q -> changeVisibility(q.name(), r, seconds)).thenApply(o -> {
            SqsError e = visibilityError(o.get(0));
            if (e != null) {
                throw e;
            }
            return QueueActions.obj();
        });
    }

    private CompletionStage<Outcomes> changeVisibility(String queue, Receipts r, int seconds) {
        if (seconds == 0) {
            return cx.broker.nack(queue, new NackRequest(Broker.DEFAULT_GROUP, r, OptionalLong.of(0),
                    Optional.of("visibility timeout set to 0"))).thenApply(o -> {
                        cx.counters.nacked(queue, o.okCount());
                        return o;
                    });
        }
        return cx.broker.extend(queue, new ExtendRequest(Broker.DEFAULT_GROUP, r, seconds * 1000L));
    }

    private static SqsError visibilityError(ReceiptOutcome o) {
        return switch (o) {
            case OK -> null;
            case STALE -> SqsError.messageNotInflight();
            case NOT_FOUND -> SqsError.invalidParameter("Value for parameter ReceiptHandle is invalid. Reason: Message "
                    + "does not exist or is not available for visibility timeout change.");
        };
    }

    CompletionStage<ObjectNode> changeVisibilityBatch(Params p) {
        List<Params> entries = checkEntries(p.entries("Entries"));
        return cx.queue(p).thenCompose(q -> {
            ObjectNode out = QueueActions.obj();
            ArrayNode successful = out.putArray("Successful");
            ArrayNode failed = out.putArray("Failed");
            // one Spool call per distinct timeout: a nack or extend takes one value for all receipts
            Map<Integer, List<String[]>> byTimeout = new TreeMap<>();
            for (Params e : entries) {
                String id = e.required("Id");
                try {
                    String handle = e.string("ReceiptHandle").orElse("");
                    receipt(handle);
                    int seconds = e.integer("VisibilityTimeout", 0, 43_200)
                            .orElseThrow(() -> SqsError.missingParameter("VisibilityTimeout"));
                    byTimeout.computeIfAbsent(seconds, k -> new ArrayList<>()).add(new String[] {id, handle});
                } catch (SqsError err) {
                    failed(failed, id, err);
                }
            }
            CompletionStage<Void> all = CompletableFuture.completedFuture(null);
            for (Map.Entry<Integer, List<String[]>> g : byTimeout.entrySet()) {
                List<String> handles = new ArrayList<>();
                g.getValue().forEach(x -> handles.add(x[1]));
                all = all.thenCompose(v -> changeVisibility(q.name(), Receipts.parse(handles, "ReceiptHandle"),
                        g.getKey())).thenAccept(o -> {
                            for (int i = 0; i < o.size(); i++) {
                                String id = g.getValue().get(i)[0];
                                SqsError e = visibilityError(o.get(i));
                                if (e == null) {
                                    successful.addObject().put("Id", id);
                                } else {
                                    failed(failed, id, e);
                                }
                            }
                        });
            }
            return all.thenApply(v -> out);
        });
    }

    static void failed(ArrayNode failed, String id, SqsError e) {
        failed.addObject().put("Id", id).put("SenderFault", e.sender).put("Code", e.queryCode)
                .put("Message", e.getMessage());
    }

    /** Checks a batch's entries as SQS does before looking at any of them. */
    static List<Params> checkEntries(List<Params> entries) {
        if (entries.isEmpty()) {
            throw SqsError.emptyBatch();
        }
        if (entries.size() > MAX_ENTRIES) {
            throw SqsError.tooManyEntries();
        }
        Set<String> seen = new HashSet<>();
        for (Params e : entries) {
            String id = e.required("Id");
            if (!isEntryId(id)) {
                throw SqsError.invalidBatchEntryId(id);
            }
            if (!seen.add(id)) {
                throw SqsError.idsNotDistinct(id);
            }
        }
        return entries;
    }

    /** {@code [A-Za-z0-9_-]{1,80}}, without a regex: it runs for every entry of every batch. */
    static boolean isEntryId(String id) {
        int n = id.length();
        if (n == 0 || n > 80) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    static Receipts receipt(String handle) {
        try {
            return Receipts.parse(List.of(handle), "ReceiptHandle");
        } catch (SpoolException e) {
            throw SqsError.receiptHandleIsInvalid(handle);
        }
    }

    private static boolean parses(String handle) {
        try {
            receipt(handle);
            return true;
        } catch (SqsError e) {
            return false;
        }
    }
}
