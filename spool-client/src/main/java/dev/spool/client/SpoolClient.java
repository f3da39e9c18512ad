package dev.spool.client;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.BrokerSettings;
import dev.spool.api.BrowseRequest;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.ExtendRequest;
import dev.spool.api.GroupInfo;
import dev.spool.api.GroupSpec;
import dev.spool.api.Health;
import dev.spool.api.LockFence;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.MessageIds;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageView;
import dev.spool.api.Names;
import dev.spool.api.NackRequest;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;
import dev.spool.api.RedriveRequest;
import dev.spool.api.SpoolException;
import dev.spool.api.TxOp;
import dev.spool.api.TxResult;
import dev.spool.api.WaitingPops;

/**
 * A thread-safe client of one Spool server, speaking HTTP API v1 over a pool of keep-alive
 * connections. It implements {@link Broker}, so code written against an embedded broker runs
 * unchanged against a server; failures arrive as {@link SpoolException} with the server's
 * {@link ErrorCode} (connection failures as {@code unavailable} with the cause attached).
 *
 * <p>Every call returns at once with a {@link CompletionStage} that completes on a network thread:
 * do not block inside its callbacks. {@link #await(CompletionStage)} waits for one and rethrows its
 * {@link SpoolException}. Create one client per server and share it; {@link #close()} releases its
 * threads and connections. {@link #producer(String, ProducerOptions)} and
 * {@link #consumer(String, ConsumerOptions, MessageHandler)} build the batching producer and the
 * streaming consumer on top of it.
 */
public final class SpoolClient implements Broker {
    private static final String JSON = "application/json";

    private final Transport transport;
    private final LockCalls locks;
    private final BrokerSettings settings;
    private final Runnable beforeClose;

    private SpoolClient(ClientOptions options, BrokerSettings settings, Runnable beforeClose) {
        this.transport = new Transport(options);
        this.locks = new LockCalls(transport);
        this.settings = settings;
        this.beforeClose = beforeClose;
    }

    private SpoolClient(ClientOptions options, BrokerSettings settings) {
        this(options, settings, () -> { });
    }

    /** A client that runs {@code beforeClose} when closed (tests use it to stop their server). */
    static SpoolClient connect(ClientOptions options, BrokerSettings settings, Runnable beforeClose) {
        return new SpoolClient(options, settings, beforeClose);
    }

    /** A client of the server at this URL with default options. */
    public static SpoolClient connect(String url) {
        return new SpoolClient(ClientOptions.of(url), BrokerSettings.DEFAULTS);
    }

    /** A client with these options. */
    public static SpoolClient connect(ClientOptions options) {
        return new SpoolClient(options, BrokerSettings.DEFAULTS);
    }

    /**
     * A client that reports {@code settings} from {@link #settings()}: the server does not publish its
     * settings, so code that sizes batches from them can be told what the server runs with.
     */
    public static SpoolClient connect(ClientOptions options, BrokerSettings settings) {
        return new SpoolClient(options, settings);
    }

    /**
     * Waits for a stage and returns its value, rethrowing a {@link SpoolException} as itself.
     *
     * @throws SpoolException the failure of the stage ({@code unavailable} if interrupted)
     */
    public static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SpoolException.unavailable("interrupted while waiting for the server", e);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    static SpoolException unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof SpoolException se ? se : SpoolException.internal(String.valueOf(t), t);
    }

    /** The options this client runs with. */
    public ClientOptions options() {
        return transport.options();
    }

    Transport transport() {
        return transport;
    }

    /**
     * The settings given at {@link #connect(ClientOptions, BrokerSettings)}, else the built-in
     * defaults; the server's own settings are not visible to clients.
     */
    @Override
    public BrokerSettings settings() {
        return settings;
    }

    /** A batching producer pushing to {@code queue}; close it before the client. */
    public Producer producer(String queue, ProducerOptions options) {
        return new Producer(this, queue, options);
    }

    /**
     * A consumer of {@code queue} over the stream WebSocket, started at once; close it before the
     * client.
     */
    public Consumer consumer(String queue, ConsumerOptions options, MessageHandler handler) {
        return Consumer.start(this, queue, options, handler);
    }

    // ---- queues ----

    @Override
    public CompletionStage<QueueInfo> putQueue(String queue, QueueConfig config) {
        return guard(() -> json(HttpMethod.PUT, queuePath(queue), JsonCodec.write(g -> JsonCodec.writeConfig(g, config)))
                .thenApply(JsonCodec::queue));
    }

    /**
     * Creates a queue or changes part of its configuration: {@code settings} holds wire names and
     * values ({@code visibility_timeout_ms}, {@code max_attempts}, ...); other settings are kept.
     */
    public CompletionStage<QueueInfo> patchQueue(String queue, Map<String, ?> settings) {
        return guard(() -> json(HttpMethod.PUT, queuePath(queue), JsonCodec.write(g -> JsonCodec.MAPPER.writeValue(g, settings)))
                .thenApply(JsonCodec::queue));
    }

    @Override
    public CompletionStage<QueueInfo> getQueue(String queue) {
        return guard(() -> json(HttpMethod.GET, queuePath(queue), null).thenApply(JsonCodec::queue));
    }

    @Override
    public CompletionStage<List<QueueInfo>> listQueues() {
        return guard(() -> json(HttpMethod.GET, "/v1/queues", null).thenApply(JsonCodec::queues));
    }

    @Override
    public CompletionStage<Void> deleteQueue(String queue) {
        return guard(() -> json(HttpMethod.DELETE, queuePath(queue), null).thenApply(n -> null));
    }

    @Override
    public CompletionStage<Long> purgeQueue(String queue) {
        return guard(() -> json(HttpMethod.POST, queuePath(queue) + "/purge", Buffer.buffer("{}"))
                .thenApply(n -> n.path("purged").asLong()));
    }

    // ---- access tokens (need admin:* on a server with authentication) ----

    /** Creates an access token; the reply holds its secret, shown this once. */
    public CompletionStage<TokenInfo.Created> createToken(String name, List<String> permissions) {
        Buffer body = TokenCodec.createBody(name, permissions);
        return guard(() -> json(HttpMethod.POST, "/v1/tokens", body).thenApply(TokenCodec::created));
    }

    /** Every access token not revoked (ids, names, permissions; never secrets). */
    public CompletionStage<List<TokenInfo>> tokens() {
        return guard(() -> json(HttpMethod.GET, "/v1/tokens", null).thenApply(TokenCodec::list));
    }

    /**
     * A fleet push's progress ({@code GET /v1/fleets/{id}}, {@code docs/push.md}) as the server's JSON
     * document: {@code state}, {@code percent}, {@code counts}, {@code config}.
     */
    public CompletionStage<JsonNode> fleet(String id) {
        return guard(() -> json(HttpMethod.GET, "/v1/fleets/" + enc(id), null));
    }

    /** Revokes an access token by id: every server refuses it within a second. */
    @Override
    public CompletionStage<Void> revokeToken(String id) {
        return guard(() -> json(HttpMethod.DELETE, "/v1/tokens/" + enc(id), null).thenApply(n -> null));
    }

    // ---- messages ----

    @Override
    public CompletionStage<long[]> push(String queue, List<NewMessage> messages) {
        return guard(() -> json(HttpMethod.POST, queuePath(queue) + "/messages",
                JsonCodec.write(g -> {
                    g.writeStartObject();
                    JsonCodec.writeMessages(g, messages);
                    g.writeEndObject();
                })).thenApply(JsonCodec::ids));
    }

    /**
     * Pushes one message in the raw form: its payload is the request body (a file payload is
     * streamed from disk), its metadata travels in {@code Spool-*} headers.
     */
    public CompletionStage<Long> pushRaw(String queue, NewMessage message) {
        return guard(() -> RawForms.push(transport, queuePath(queue) + "/messages", message)
                .thenApply(r -> JsonCodec.ids(JsonCodec.read(r.body()))[0]));
    }

    @Override
    public CompletionStage<List<Delivery>> pop(String queue, PopRequest request) {
        CompletionStage<List<Delivery>> popped = guard(() -> transport.send(HttpMethod.POST,
                queuePath(queue) + "/pop", RequestCodec.body(g -> RequestCodec.pop(g, request, true)), JSON, Map.of(),
                request.waitMs()).thenApply(r -> DeliveryReader.document(JsonCodec.MAPPER.getFactory(),
                        r.body().getBytes())));
        return request.waitMs() == 0 ? popped
                : WaitingPops.link(popped, new CompletableFuture<>(), request.group(), r -> nack(queue, r));
    }

    /**
     * Pops one message in the raw form: the payload is the reply body and the metadata comes from
     * the reply headers. Empty when no message came within the request's wait.
     */
    public CompletionStage<java.util.Optional<Delivery>> popRaw(String queue, PopRequest request) {
        return guard(() -> RawForms.pop(transport, queuePath(queue) + "/pop", request));
    }

    @Override
    public CompletionStage<Outcomes> ack(String queue, AckRequest request) {
        return guard(() -> receiptOp(queue, "ack", RequestCodec.body(g -> RequestCodec.ack(g, request))));
    }

    @Override
    public CompletionStage<Outcomes> nack(String queue, NackRequest request) {
        return guard(() -> receiptOp(queue, "nack", RequestCodec.body(g -> RequestCodec.nack(g, request))));
    }

    @Override
    public CompletionStage<Outcomes> extend(String queue, ExtendRequest request) {
        return guard(() -> receiptOp(queue, "extend", RequestCodec.body(g -> RequestCodec.extend(g, request))));
    }

    private CompletionStage<Outcomes> receiptOp(String queue, String op, Buffer body) {
        return json(HttpMethod.POST, queuePath(queue) + "/" + op, body).thenApply(JsonCodec::outcomes);
    }

    @Override
    public CompletionStage<MessageView> getMessage(String queue, long id, MessageQuery query) {
        return guard(() -> getMessageNow(queue, id, query));
    }

    private CompletionStage<MessageView> getMessageNow(String queue, long id, MessageQuery query) {
        String uri = queuePath(queue) + "/messages/" + MessageIds.format(id) + "?group=" + enc(query.group())
                + (query.waitMs() > 0 ? "&wait_ms=" + query.waitMs() : "");
        return transport.send(HttpMethod.GET, uri, null, null, Map.of(), query.waitMs())
                .thenApply(r -> JsonCodec.view(JsonCodec.read(r.body())));
    }

    @Override
    public CompletionStage<List<MessageView>> browse(String queue, BrowseRequest request) {
        return guard(() -> browseNow(queue, request));
    }

    private CompletionStage<List<MessageView>> browseNow(String queue, BrowseRequest request) {
        String uri = queuePath(queue) + "/messages?state=" + request.state().wire() + "&limit=" + request.limit()
                + "&group=" + enc(request.group())
                + (request.afterId() != 0 ? "&after=" + MessageIds.format(request.afterId()) : "");
        return json(HttpMethod.GET, uri, null).thenApply(n -> JsonCodec.views(n.path("messages")));
    }

    @Override
    public CompletionStage<Long> redrive(String queue, RedriveRequest request) {
        return guard(() -> json(HttpMethod.POST, queuePath(queue) + "/redrive", JsonCodec.write(g -> {
            g.writeStartObject();
            g.writeStringField("group", request.group());
            g.writeNumberField("limit", request.limit());
            if (!request.ids().isEmpty()) {
                g.writeArrayFieldStart("ids");
                for (long id : request.ids()) {
                    g.writeString(MessageIds.format(id));
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        })).thenApply(n -> n.path("moved").asLong()));
    }

    // ---- groups ----

    @Override
    public CompletionStage<GroupInfo> putGroup(String queue, String group, GroupSpec spec) {
        if (spec.push().isPresent()) {
            return java.util.concurrent.CompletableFuture.failedFuture(dev.spool.api.SpoolException.invalid("push",
                    "push groups are configured with PUT /v1/queues/{q}/push/{name} (docs/push.md)"));
        }
        return guard(() -> json(HttpMethod.PUT, groupPath(queue, group), JsonCodec.write(g -> {
            g.writeStartObject();
            JsonCodec.writeStart(g, spec.start());
            g.writeEndObject();
        })).thenApply(JsonCodec::group));
    }

    @Override
    public CompletionStage<GroupInfo> getGroup(String queue, String group) {
        return guard(() -> json(HttpMethod.GET, groupPath(queue, group), null).thenApply(JsonCodec::group));
    }

    @Override
    public CompletionStage<List<GroupInfo>> listGroups(String queue) {
        return guard(() -> json(HttpMethod.GET, queuePath(queue) + "/groups", null).thenApply(JsonCodec::groups));
    }

    @Override
    public CompletionStage<Void> deleteGroup(String queue, String group) {
        return guard(() -> json(HttpMethod.DELETE, groupPath(queue, group), null).thenApply(n -> null));
    }

    // ---- locks ----

    /**
     * Starts building a lock handle: {@code try (Lock l = client.lock("name").owner("me").ttl(ttl).acquire(wait))}.
     * The handle keeps its lease alive and releases it when closed; see {@link Lock}.
     */
    public Lock.Builder lock(String name) {
        return new Lock.Builder(this, Names.checkLock(name, "lock"));
    }

    /** {@inheritDoc} Cancelling the returned stage withdraws a waiting acquire from the server's line. */
    @Override
    public CompletionStage<LockLease> acquireLock(String name, LockRequest request) {
        return guard(() -> locks.acquire(name, request));
    }

    @Override
    public CompletionStage<LockLease> keepaliveLock(String name, LockFence fence, long ttlMs) {
        return guard(() -> locks.keepalive(name, fence, ttlMs));
    }

    @Override
    public CompletionStage<Void> releaseLock(String name, LockFence fence) {
        return guard(() -> locks.release(name, fence));
    }

    @Override
    public CompletionStage<LockInfo> getLock(String name) {
        return guard(() -> locks.get(name));
    }

    @Override
    public CompletionStage<List<LockInfo>> listLocks(String prefix, String after, int limit) {
        return guard(() -> locks.list(prefix, after, limit));
    }

    /** {@inheritDoc} The document is read whole into memory. */
    @Override
    public CompletionStage<LockState> getLockState(String name) {
        return guard(() -> locks.state(name));
    }

    /**
     * Reads a lock's state document into a file as it arrives, never holding it whole on the heap
     * (for documents up to the server's 100 MiB). The file is created or truncated.
     *
     * @param name the lock
     * @param target the file to write
     * @return the document's description; {@code not_found} when the lock has no state
     */
    public CompletionStage<LockStateInfo> getLockState(String name, java.nio.file.Path target) {
        return guard(() -> {
            Names.checkLock(name, "lock");
            return locks.stateTo(name, target);
        });
    }

    /** {@inheritDoc} A file payload is streamed from disk. */
    @Override
    public CompletionStage<LockStateInfo> putLockState(String name, LockStateWrite write) {
        return guard(() -> locks.putState(name, write));
    }

    @Override
    public CompletionStage<Void> deleteLockState(String name, LockFence fence, OptionalLong ifVersion) {
        return guard(() -> locks.deleteState(name, fence, ifVersion));
    }

    // ---- transactions and operations ----

    @Override
    public CompletionStage<TxResult> transact(List<TxOp> ops) {
        return guard(() -> json(HttpMethod.POST, "/v1/tx", TxCodec.body(ops, settings.limits()))
                .thenApply(n -> TxCodec.read(n, ops.size())));
    }

    /** Readiness ({@code GET /readyz}): not ready when storage is down or the server is stopping. */
    @Override
    public CompletionStage<Health> health() {
        CompletableFuture<Health> out = new CompletableFuture<>();
        transport.send(HttpMethod.GET, "/readyz", null, null, Map.of(), 0).whenComplete((r, e) -> {
            if (e == null) {
                JsonNode n = JsonCodec.read(r.body());
                out.complete(new Health(n.path("ready").asBoolean(), n.path("detail").asText("")));
            } else if (Transport.isServerRetryable(e) && ((SpoolException) e).code() == ErrorCode.UNAVAILABLE) {
                out.complete(new Health(false, e.getMessage()));
            } else {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    /** Liveness ({@code GET /healthz}): true while the server answers HTTP. */
    public CompletionStage<Boolean> alive() {
        return guard(() -> json(HttpMethod.GET, "/healthz", null).thenApply(n -> "ok".equals(n.path("status").asText())));
    }

    /** The server's metrics in the Prometheus text format ({@code GET /metrics}). */
    public CompletionStage<String> metrics() {
        return guard(() -> transport.send(HttpMethod.GET, "/metrics", null, null, Map.of(), 0)
                .thenApply(r -> r.body().toString(StandardCharsets.UTF_8)));
    }

    /** Closes connections and threads; stages still pending fail with {@code unavailable}. */
    @Override
    public void close() {
        if (transport.isClosed()) {
            return;
        }
        try {
            beforeClose.run();
        } finally {
            transport.close();
        }
    }

    // ---- helpers ----

    private CompletionStage<JsonNode> json(HttpMethod method, String uri, Buffer body) {
        return transport.send(method, uri, body, body == null ? null : JSON, Map.of(), 0)
                .thenApply(r -> JsonCodec.read(r.body()));
    }

    /** The path of a queue; an invalid name fails here, before anything is sent. */
    static String queuePath(String queue) {
        return "/v1/queues/" + Names.checkQueue(queue, "queue");
    }

    private static String groupPath(String queue, String group) {
        return queuePath(queue) + "/groups/" + Names.checkGroup(group, "group");
    }

    /** Turns an exception thrown while building a request into a failed stage, as Broker requires. */
    private static <T> CompletionStage<T> guard(java.util.function.Supplier<CompletionStage<T>> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e instanceof SpoolException ? e : SpoolException.internal(e.toString(), e));
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
