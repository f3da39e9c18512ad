package dev.spool.server.sqs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;

/**
 * The queue actions: create, find, list, delete, purge, attributes, tags and dead-letter sources.
 * Each returns its reply in the JSON protocol's shape.
 */
final class QueueActions {
    static final int MAX_TAGS = 50;

    private final SqsContext cx;

    QueueActions(SqsContext cx) {
        this.cx = cx;
    }

    static ObjectNode obj() {
        return JsonNodeFactory.instance.objectNode();
    }

    CompletionStage<ObjectNode> create(Params p, Call call) {
        String name = SqsNames.check(p.required("QueueName"));
        Map<String, String> attrs = p.stringMap("Attributes");
        Map<String, String> tags = checkTags(p.stringMap("tags"));
        long now = System.currentTimeMillis();
        return cx.broker.getQueue(name).handle((info, e) -> {
            if (e == null) {
                return existing(cx.viewOf(info), attrs, now, call);
            }
            SqsError err = SqsContext.translate(e);
            if (!err.shape.equals("QueueDoesNotExist")) {
                throw err;
            }
            QueueAttributes.Applied a = QueueAttributes.apply(name, attrs,
                    QueueAttributes.sqsDefaults(cx.broker.settings().queueDefaults()),
                    QueueMeta.defaults(now).withTags(tags), cx.arns, true, now);
            return checkDeadLetterQueue(name, a, call)
                    .thenCompose(v -> cx.broker.putQueue(name, a.meta().applyTo(a.config())))
                    .thenApply(created -> urlReply("QueueUrl", call, name));
        }).thenCompose(s -> s);
    }

    private CompletionStage<ObjectNode> existing(QueueView q, Map<String, String> attrs, long now, Call call) {
        QueueAttributes.Applied a = QueueAttributes.apply(q.name(), attrs, q.config(), q.meta(), cx.arns, true, now);
        if (!a.config().equals(q.config()) || !sameAttributes(a.meta(), q.meta())) {
            throw SqsError.queueNameExists(q.name());
        }
        return CompletableFuture.completedFuture(urlReply("QueueUrl", call, q.name()));
    }

    private static boolean sameAttributes(QueueMeta a, QueueMeta b) {
        return a.delaySeconds() == b.delaySeconds() && a.receiveWaitSeconds() == b.receiveWaitSeconds()
                && a.contentBasedDedup() == b.contentBasedDedup()
                && Objects.equals(a.redriveAllowPolicy(), b.redriveAllowPolicy());
    }

    /**
     * A new RedrivePolicy must name an existing queue whose RedriveAllowPolicy lets this one use it;
     * dead letters would be written there, so the caller must administer it too (checked first, so
     * the refusal does not tell whether it exists).
     */
    private CompletionStage<Void> checkDeadLetterQueue(String queue, QueueAttributes.Applied a, Call call) {
        if (a.deadLetterQueue().isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        SqsAccess.need(call.principal(), dev.spool.server.security.Permission.Action.ADMIN, a.deadLetterQueue().get());
        return cx.view(a.deadLetterQueue().get()).handle((dlq, e) -> {
            if (e != null) {
                throw SqsError.invalidParameter("Value " + cx.arns.arn(a.deadLetterQueue().get()) + " for parameter "
                        + "RedrivePolicy is invalid. Reason: Dead letter target does not exist.");
            }
            if (!QueueAttributes.allows(dlq.meta().redriveAllowPolicy(), queue, cx.arns)) {
                throw SqsError.invalidParameter("Value for parameter RedrivePolicy is invalid. Reason: the "
                        + "dead-letter queue's RedriveAllowPolicy does not allow this queue.");
            }
            return null;
        });
    }

    CompletionStage<ObjectNode> getUrl(Params p, Call call) {
        String name = p.required("QueueName");
        if (!dev.spool.api.Names.isValid(name)) {
            throw SqsError.nonExistentQueue();
        }
        return cx.view(name).thenApply(q -> urlReply("QueueUrl", call, q.name()));
    }

    CompletionStage<ObjectNode> list(Params p, Call call) {
        String prefix = p.string("QueueNamePrefix").orElse("");
        int max = p.integer("MaxResults", 1, 1000).orElse(1000);
        boolean paged = p.has("MaxResults");
        String after = p.string("NextToken").map(QueueActions::fromToken).orElse("");
        return cx.broker.listQueues().thenApply(all -> {
            List<String> names = new ArrayList<>();
            for (QueueInfo q : all) {
                if (q.name().startsWith(prefix) && q.name().compareTo(after) > 0 && call.principal().sees(q.name())) {
                    names.add(q.name());
                }
            }
            return page(names, max, paged, "QueueUrls", call);
        });
    }

    CompletionStage<ObjectNode> deadLetterSources(Params p, Call call) {
        int max = p.integer("MaxResults", 1, 1000).orElse(1000);
        boolean paged = p.has("MaxResults");
        String after = p.string("NextToken").map(QueueActions::fromToken).orElse("");
        return cx.queue(p).thenCompose(dlq -> cx.broker.listQueues().thenApply(all -> {
            List<String> names = new ArrayList<>();
            for (QueueInfo q : all) {
                QueueConfig c = q.config();
                if (c.maxAttempts() > 0 && c.deadLetterQueueFor(q.name()).equals(dlq.name())
                        && q.name().compareTo(after) > 0 && call.principal().sees(q.name())) {
                    names.add(q.name());
                }
            }
            return page(names, max, paged, "queueUrls", call);
        }));
    }

    private ObjectNode page(List<String> names, int max, boolean paged, String field, Call call) {
        ObjectNode out = obj();
        ArrayNode urls = out.putArray(field);
        for (int i = 0; i < names.size() && i < max; i++) {
            urls.add(cx.arns.url(call.baseUrl(), names.get(i)));
        }
        if (paged && names.size() > max) {
            out.put("NextToken", toToken(names.get(max - 1)));
        }
        return out;
    }

    private static String toToken(String name) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(name.getBytes(StandardCharsets.UTF_8));
    }

    private static String fromToken(String token) {
        try {
            return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw SqsError.invalidParameter("Invalid NextToken value.");
        }
    }

    CompletionStage<ObjectNode> delete(Params p) {
        return cx.queue(p).thenCompose(q -> cx.broker.deleteQueue(q.name())
                .thenApply(v -> {
                    cx.counters.deleted(q.name());
                    return obj();
                }));
    }

    CompletionStage<ObjectNode> purge(Params p) {
        return cx.queue(p).thenCompose(q -> cx.broker.purgeQueue(q.name())).thenApply(n -> obj());
    }

    CompletionStage<ObjectNode> getAttributes(Params p) {
        List<String> names = p.strings("AttributeNames");
        return cx.queue(p).thenApply(q -> {
            ObjectNode out = obj();
            ObjectNode attrs = out.putObject("Attributes");
            QueueAttributes.read(q, names, cx.arns).forEach(attrs::put);
            return out;
        });
    }

    CompletionStage<ObjectNode> setAttributes(Params p, Call call) {
        Map<String, String> attrs = p.stringMap("Attributes");
        long now = System.currentTimeMillis();
        return cx.queue(p).thenCompose(q -> {
            QueueAttributes.Applied a = QueueAttributes.apply(q.name(), attrs, q.config(), q.meta(), cx.arns, false,
                    now);
            return checkDeadLetterQueue(q.name(), a, call)
                    .thenCompose(v -> cx.broker.putQueue(q.name(), a.meta().applyTo(a.config())))
                    .thenApply(info -> obj());
        });
    }

    CompletionStage<ObjectNode> tag(Params p) {
        Map<String, String> tags = checkTags(p.stringMap("Tags"));
        return cx.queue(p).thenCompose(q -> {
            Map<String, String> merged = new LinkedHashMap<>(q.meta().tags());
            merged.putAll(tags);
            if (merged.size() > MAX_TAGS) {
                throw SqsError.invalidParameter("Too many tags added for queue " + q.name() + ".");
            }
            return saveTags(q, merged);
        });
    }

    CompletionStage<ObjectNode> untag(Params p) {
        List<String> keys = p.strings("TagKeys");
        return cx.queue(p).thenCompose(q -> {
            Map<String, String> left = new LinkedHashMap<>(q.meta().tags());
            keys.forEach(left::remove);
            return saveTags(q, left);
        });
    }

    private CompletionStage<ObjectNode> saveTags(QueueView q, Map<String, String> tags) {
        return cx.broker.putQueue(q.name(), q.meta().withTags(tags).applyTo(q.config())).thenApply(info -> obj());
    }

    CompletionStage<ObjectNode> listTags(Params p) {
        return cx.queue(p).thenApply(q -> {
            ObjectNode out = obj();
            if (!q.meta().tags().isEmpty()) {
                ObjectNode tags = out.putObject("Tags");
                q.meta().sortedTags().forEach(tags::put);
            }
            return out;
        });
    }

    private static Map<String, String> checkTags(Map<String, String> tags) {
        if (tags.size() > MAX_TAGS) {
            throw SqsError.invalidParameter("Too many tags: at most " + MAX_TAGS + ".");
        }
        for (Map.Entry<String, String> t : tags.entrySet()) {
            if (t.getKey().isEmpty() || t.getKey().length() > 128 || t.getValue().length() > 256
                    || !SqsText.allowed(t.getKey()) || !SqsText.allowed(t.getValue())) {
                throw SqsError.invalidParameter("Tag keys are 1 to 128 characters and values at most 256.");
            }
        }
        return tags;
    }

    private ObjectNode urlReply(String field, Call call, String name) {
        ObjectNode out = obj();
        out.put(field, cx.arns.url(call.baseUrl(), name));
        return out;
    }
}
