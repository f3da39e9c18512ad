package dev.spool.server.push;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import dev.spool.api.Broker;
import dev.spool.api.ErrorCode;
import dev.spool.api.GroupInfo;
import dev.spool.api.GroupSpec;
import dev.spool.api.MessageBody;
import dev.spool.api.MessageIds;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageView;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;
import dev.spool.api.QueueStats;
import dev.spool.api.RetryBackoff;
import dev.spool.api.SpoolException;
import dev.spool.api.StartPosition;
import dev.spool.api.Validation;

/**
 * Fleet pushes ({@code docs/push.md}, Fleet push): one message to many endpoints. A fleet is stored
 * with the Broker SPI only, so it is durable and shared on every backend: queue
 * {@code spool.fleet.<id>} holds one task per endpoint (its payload the URL), its group
 * {@value #GROUP} carries the {@link FleetSpec} as push text and is what the servers pop from (leases
 * keep each endpoint with one server at a time); queue {@code spool.fleet.<id>.payload} holds the
 * payload once and the index of task ids. An endpoint's state is its task's state: acked =
 * delivered (the ack result keeps the status and the latency), dead = failed, delayed = waiting to
 * retry.
 *
 * <p>Thread-safe: the index cache is synchronized; everything else goes through the broker.
 */
public final class Fleets {
    /** Queue name prefix of fleets. */
    public static final String PREFIX = "spool.fleet.";
    /** The group of a fleet's task queue that servers deliver. */
    public static final String GROUP = "fleet";
    /** Most entries of one page of {@link #endpoints}. */
    public static final int MAX_PAGE = 1_000;
    private static final int CHUNK = 1_000;
    private static final int CACHED_INDEXES = 32;

    private final Broker broker;
    private final Supplier<CompletionStage<Void>> refresh;
    private final FleetSets sets;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, long[]> indexes = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> e) {
            return size() > CACHED_INDEXES;
        }
    };

    Fleets(Broker broker, Supplier<CompletionStage<Void>> refresh) {
        this.broker = broker;
        this.refresh = refresh;
        this.sets = new FleetSets(broker);
    }

    /** The stored endpoint sets. */
    public FleetSets sets() {
        return sets;
    }

    /** Whether a queue belongs to a fleet (its tasks, its payload, its dead letters). */
    public static boolean isFleetQueue(String queue) {
        return queue.startsWith(PREFIX);
    }

    /** Creates a fleet push from the JSON body of {@code POST /v1/fleets}; answers its progress. */
    public CompletionStage<JsonObject> create(String body) {
        FleetRequest req;
        try {
            req = FleetRequest.parse(body);
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletionStage<FleetRequest> resolved = req.endpointSet().isEmpty() ? CompletableFuture.completedFuture(req)
                : sets.urls(req.endpointSet().get()).thenApply(req::withEndpoints);
        return resolved.thenCompose(r -> payload(r).thenCompose(message -> store(r, message)));
    }

    /**
     * The payload message of a fleet: the request's bytes, or the payload of the message it names
     * (a {@link Payload.Streamed} from storage, copied to the fleet's payload queue without being
     * read onto the heap).
     */
    private CompletionStage<MessageBody> payload(FleetRequest r) {
        if (r.from().isEmpty()) {
            return CompletableFuture.completedFuture(new MessageBody(Payload.of(r.payload()),
                    r.contentType().orElse(MessageBody.OCTET_STREAM), Map.of(), Optional.empty(), 0, Optional.empty()));
        }
        FleetRequest.From f = r.from().get();
        return broker.getMessage(f.queue(), f.id(), MessageQuery.NOW).thenApply(v -> {
            MessageBody b = v.body().orElseThrow(() -> SpoolException.invalid("payload_from",
                    "message " + MessageIds.format(f.id()) + " of queue " + f.queue() + " has no payload any more"));
            return new MessageBody(b.payload(), r.contentType().orElse(b.contentType()), Map.of(), Optional.empty(), 0,
                    Optional.empty());
        });
    }

    private CompletionStage<JsonObject> store(FleetRequest r, MessageBody body) {
        byte[] idBytes = new byte[8];
        random.nextBytes(idBytes);
        String id = HexFormat.of().formatHex(idBytes);
        String tq = PREFIX + id;
        String pq = tq + ".payload";
        long forever = Validation.MAX_RETENTION_MS;
        QueueConfig tasks = QueueConfig.DEFAULTS.withMaxAttempts(r.maxAttempts()).withRetryBackoff(
                new RetryBackoff(r.backoff().initialMs(), r.backoff().maxMs(), 2.0, true)).withMessageTtlMs(forever)
                .withRetentionMs(forever).withResultTtlMs(forever);
        QueueConfig payloads = QueueConfig.DEFAULTS.withMessageTtlMs(forever)
                .withMaxMessageBytes(Math.max(QueueConfig.DEFAULTS.maxMessageBytes(), body.payload().size()));
        NewMessage payload = new NewMessage(body, 0, 0, 0, Optional.empty());
        long[] taskIds = new long[r.endpoints().size()];
        long[] payloadId = new long[1];
        return broker.putQueue(tq, tasks).thenCompose(q -> broker.putQueue(pq, payloads))
                .thenCompose(q -> broker.push(pq, List.of(payload)))
                .thenCompose(ids -> {
                    payloadId[0] = ids[0];
                    return pushTasks(tq, r.endpoints(), 0, taskIds);
                })
                .thenCompose(v -> broker.push(pq, List.of(index(taskIds))))
                .thenCompose(ix -> {
                    FleetSpec spec = new FleetSpec(id, taskIds.length, payloadId[0], ix[0], r.concurrency(),
                            r.timeoutMs(), r.maxAttempts(), r.headers(), r.secrets(), System.currentTimeMillis(),
                            false, r.backoff());
                    synchronized (indexes) {
                        indexes.put(id, taskIds);
                    }
                    // the group comes last: a fleet exists (and is delivered) once it is complete
                    return broker.putGroup(tq, GROUP, new GroupSpec(StartPosition.EARLIEST,
                            Optional.of(spec.toStored())));
                })
                .thenCompose(g -> refresh.get().thenApply(v -> view(g)));
    }

    private CompletionStage<Void> pushTasks(String tq, List<URI> urls, int from, long[] out) {
        if (from >= urls.size()) {
            return CompletableFuture.completedFuture(null);
        }
        int to = Math.min(urls.size(), from + CHUNK);
        List<NewMessage> batch = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            batch.add(new NewMessage(new MessageBody(Payload.ofUtf8(urls.get(i).toString()), "text/plain", Map.of(),
                    Optional.empty(), 0, Optional.empty()), 0, 0, 0, Optional.empty()));
        }
        return broker.push(tq, batch).thenCompose(ids -> {
            System.arraycopy(ids, 0, out, from, ids.length);
            return pushTasks(tq, urls, to, out);
        });
    }

    private static NewMessage index(long[] ids) {
        JsonArray a = new JsonArray();
        for (long id : ids) {
            a.add(MessageIds.format(id));
        }
        return new NewMessage(MessageBody.of(Payload.of(a.toBuffer().getBytes())), 0, 0, 0, Optional.empty());
    }

    /** A fleet's progress; {@code not_found} if there is none with this id. */
    public CompletionStage<JsonObject> get(String id) {
        return group(id).thenApply(this::view);
    }

    /** Every fleet's progress, newest first. */
    public CompletionStage<JsonArray> list() {
        return broker.listQueues().thenApply(qs -> {
            List<JsonObject> out = new ArrayList<>();
            for (QueueInfo q : qs) {
                if (!isFleetQueue(q.name())) {
                    continue;
                }
                for (GroupInfo g : q.groups()) {
                    if (g.name().equals(GROUP) && g.push().isPresent()) {
                        out.add(view(g));
                    }
                }
            }
            out.sort((a, b) -> Long.compare(b.getLong("created_at"), a.getLong("created_at")));
            return new JsonArray(new ArrayList<>(out));
        });
    }

    /** Cancels a fleet: no new attempts start; attempts in flight finish. Answers its progress. */
    public CompletionStage<JsonObject> cancel(String id) {
        return group(id).thenCompose(g -> {
            FleetSpec spec = FleetSpec.parse(g.push().get());
            if (spec.canceled()) {
                return CompletableFuture.completedFuture(g);
            }
            return broker.putGroup(spec.taskQueue(), GROUP, new GroupSpec(StartPosition.EARLIEST,
                    Optional.of(spec.cancel().toStored())));
        }).thenCompose(g -> refresh.get().thenApply(v -> view(g)));
    }

    /** Deletes a fleet and everything it stored (its endpoints' states included). */
    public CompletionStage<Void> delete(String id) {
        return group(id).thenCompose(g -> {
            String tq = PREFIX + id;
            synchronized (indexes) {
                indexes.remove(id);
            }
            return broker.deleteQueue(tq).thenCompose(v -> quietly(broker.deleteQueue(tq + ".payload")))
                    .thenCompose(v -> quietly(broker.deleteQueue(tq + ".dlq")));
        }).thenCompose(v -> refresh.get());
    }

    private static CompletionStage<Void> quietly(CompletionStage<Void> s) {
        return s.exceptionally(e -> null);
    }

    /** One page of per-endpoint detail, in the order the endpoints were given. */
    public CompletionStage<JsonObject> endpoints(String id, int offset, int limit) {
        return group(id).thenCompose(g -> {
            FleetSpec spec = FleetSpec.parse(g.push().get());
            return index(spec).thenCompose(ids -> {
                int from = Math.min(offset, ids.length);
                int to = Math.min(ids.length, from + limit);
                List<CompletableFuture<JsonObject>> rows = new ArrayList<>();
                for (int i = from; i < to; i++) {
                    int n = i;
                    rows.add(broker.getMessage(spec.taskQueue(), ids[i], new MessageQuery(GROUP, 0))
                            .thenApply(v -> FleetViews.endpoint(n, v, spec.canceled()))
                            .exceptionally(e -> new JsonObject().put("index", n).put("state", "unknown"))
                            .toCompletableFuture());
                }
                return CompletableFuture.allOf(rows.toArray(new CompletableFuture[0])).thenApply(v -> {
                    JsonArray out = new JsonArray();
                    rows.forEach(r -> out.add(r.join()));
                    JsonObject page = new JsonObject().put("id", id).put("total", ids.length).put("offset", from)
                            .put("endpoints", out);
                    return to < ids.length ? page.put("next_offset", to) : page;
                });
            });
        });
    }

    private CompletionStage<long[]> index(FleetSpec spec) {
        synchronized (indexes) {
            long[] cached = indexes.get(spec.id());
            if (cached != null) {
                return CompletableFuture.completedFuture(cached);
            }
        }
        return broker.getMessage(spec.payloadQueue(), spec.indexId(), MessageQuery.NOW).thenApply(v -> {
            MessageView view = v;
            JsonArray a = new JsonArray(new String(view.body().orElseThrow(() -> new SpoolException(
                    ErrorCode.NOT_FOUND, "the fleet's endpoint index is gone")).payload().toBytes(),
                    StandardCharsets.UTF_8));
            long[] ids = new long[a.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = MessageIds.parse(a.getString(i), "index");
            }
            synchronized (indexes) {
                indexes.put(spec.id(), ids);
            }
            return ids;
        });
    }

    private CompletionStage<GroupInfo> group(String id) {
        if (!id.matches("[0-9a-f]{16}")) {
            return CompletableFuture.failedFuture(notFound(id));
        }
        return broker.getGroup(PREFIX + id, GROUP).handle((g, e) -> {
            if (e == null && g.push().isPresent()) {
                return g;
            }
            Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (c == null || c instanceof SpoolException se && (se.code() == ErrorCode.QUEUE_NOT_FOUND
                    || se.code() == ErrorCode.GROUP_NOT_FOUND)) {
                throw notFound(id);
            }
            throw c instanceof RuntimeException re ? re : new CompletionException(c);
        });
    }

    private static SpoolException notFound(String id) {
        return SpoolException.withField(ErrorCode.NOT_FOUND, "id", "no fleet '" + id + "'");
    }

    private JsonObject view(GroupInfo g) {
        return FleetViews.progress(FleetSpec.parse(g.push().get()), g.stats());
    }

    /** Whether a fleet has endpoints left to try (ready, waiting or in flight). */
    static boolean hasWork(QueueStats s) {
        return s.ready() + s.delayed() + s.inFlight() > 0;
    }
}
