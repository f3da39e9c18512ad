package dev.spool.server.sqs;

import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.Broker;
import dev.spool.server.security.Security;

/**
 * The SQS-compatible endpoint: the AWS JSON 1.0 protocol ({@code POST /} with
 * {@code X-Amz-Target: AmazonSQS.<Action>}) and the query protocol (form-encoded
 * {@code Action=<Action>} posted to {@code /} or to a queue URL, XML replies), both over the same
 * actions on the {@link Broker}. {@code docs/sqs.md} lists the actions and every difference from
 * SQS.
 *
 * <p>The server's router hands this class the requests it {@link #accepts} with their body read;
 * everything else about the protocols (authentication, parsing, replies, errors) stays here.
 */
public final class SqsEndpoint {
    static final String JSON_TYPE = "application/x-amz-json-1.0";
    static final String TARGET_PREFIX = "AmazonSQS.";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(SqsEndpoint.class);

    private final Vertx vertx;
    private final SqsConfig config;
    private final SqsAuth auth;
    private final Actions actions;

    private SqsEndpoint(Vertx vertx, SqsContext cx, SqsConfig config, Optional<Security> security) {
        this.vertx = vertx;
        this.config = config;
        this.auth = new SqsAuth(config, security);
        this.actions = new Actions(cx);
    }

    /**
     * Builds the endpoint.
     *
     * @param vertx the server's Vert.x
     * @param broker the broker the queues live in
     * @param config the endpoint's settings
     * @param dataDir where an earlier build kept SQS-only queue attributes and tags in a file; its
     *        records are moved into the queues' attributes once (see {@link LegacyMetaFile})
     * @param counters where the messages sent, received, deleted and given back are counted
     * @param security the server's authentication; when it requires an identity, SQS requests are
     *        authenticated and authorized as {@link SqsAuth} and {@link SqsAccess} describe
     */
    public static SqsEndpoint create(Vertx vertx, Broker broker, SqsConfig config, Optional<Path> dataDir,
            SqsCounters counters, Optional<Security> security) {
        LegacyMetaFile.importInto(dataDir, broker);
        if (config.allowUnsigned() && security.isPresent() && security.get().enabled()) {
            LOG.warn("sqs-allow-unsigned has no effect with auth=required: unsigned SQS requests are refused");
        }
        return new SqsEndpoint(vertx, new SqsContext(vertx, broker, config, counters), config, security);
    }

    /** Whether a request is an SQS one: JSON with an {@code AmazonSQS.} target, or a form post. */
    public boolean accepts(HttpServerRequest req) {
        String target = req.getHeader("X-Amz-Target");
        if (target != null) {
            return target.startsWith(TARGET_PREFIX);
        }
        String ct = req.getHeader("Content-Type");
        return ct != null && ct.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded");
    }

    /** Answers a request whose body has been read (at most the server's request bound). */
    public void handle(HttpServerRequest req, Buffer body) {
        Context ctx = vertx.getOrCreateContext();
        boolean json = req.getHeader("X-Amz-Target") != null;
        String requestId = requestId();
        HttpServerResponse resp = req.response();
        Call[] call = new Call[1];
        String action = "";
        CompletionStage<ObjectNode> stage;
        try {
            SqsAuth.Caller caller = auth.authenticate(req, body.getBytes());
            call[0] = new Call(baseUrl(req), caller.senderId(), () -> resp.closed(), caller.principal());
            Params params;
            if (json) {
                action = req.getHeader("X-Amz-Target").substring(TARGET_PREFIX.length());
                if (!Actions.NAMES.contains(action) && !Actions.UNSUPPORTED.contains(action)) {
                    throw SqsError.unknownOperation();
                }
                params = new Params(parseJson(body));
            } else {
                QueryProtocol.Parsed q = QueryProtocol.parse(req, body, call[0].baseUrl());
                action = q.action();
                params = q.params();
            }
            stage = actions.run(action, params, call[0]);
        } catch (SqsError e) {
            stage = CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        String act = action;
        stage.whenComplete((out, e) -> {
            Runnable reply = () -> {
                if (resp.ended() || resp.closed()) {
                    return;
                }
                if (e != null) {
                    SqsError err = SqsContext.translate(e);
                    if (json) {
                        jsonError(resp, err, requestId);
                    } else {
                        QueryProtocol.error(resp, err, requestId);
                    }
                } else if (json) {
                    resp.setStatusCode(200).putHeader("Content-Type", JSON_TYPE)
                            .putHeader("x-amzn-RequestId", requestId).end(jsonBytes(out));
                } else {
                    QueryProtocol.reply(resp, act, out, requestId);
                }
            };
            if (Vertx.currentContext() == ctx) {
                reply.run();
            } else {
                ctx.runOnContext(v -> reply.run());
            }
        });
    }

    /** The reply's UTF-8 bytes, written by a streaming generator (no intermediate String). */
    private static Buffer jsonBytes(ObjectNode out) {
        try {
            return Buffer.buffer(JSON.writeValueAsBytes(out));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a reply tree always serializes", e);
        }
    }

    private static JsonNode parseJson(Buffer body) {
        if (body.length() == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode n = JSON.readTree(body.getBytes());
            if (n == null || !n.isObject()) {
                throw SqsError.malformed("The request body must be a JSON object.");
            }
            return n;
        } catch (java.io.IOException e) {
            throw new SqsError("SerializationException", "SerializationException", 400, true,
                    "The request body is not valid JSON.");
        }
    }

    /**
     * A request id in UUID form. It only correlates a reply with logs, so it comes from a
     * thread-local generator rather than {@link UUID#randomUUID}'s SecureRandom, which is shared
     * by every event loop and costly at every request.
     */
    static String requestId() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        long hi = r.nextLong() & ~0xF000L | 0x4000L;
        long lo = r.nextLong() & 0x3FFFFFFFFFFFFFFFL | 0x8000000000000000L;
        return new UUID(hi, lo).toString();
    }

    private static void jsonError(HttpServerResponse resp, SqsError e, String requestId) {
        ObjectNode o = JSON.createObjectNode();
        o.put("__type", "com.amazonaws.sqs#" + e.shape);
        o.put("message", e.getMessage());
        resp.setStatusCode(e.status).putHeader("Content-Type", JSON_TYPE).putHeader("x-amzn-RequestId", requestId)
                .putHeader("x-amzn-query-error", e.queryCode + ";" + (e.sender ? "Sender" : "Receiver"))
                .end(o.toString());
    }

    private static String baseUrl(HttpServerRequest req) {
        String host = req.getHeader("Host");
        if (host == null || host.isEmpty()) {
            host = req.localAddress().host() + ":" + req.localAddress().port();
        }
        return (req.isSSL() ? "https" : "http") + "://" + host;
    }

    /** The settings this endpoint runs with. */
    public SqsConfig config() {
        return config;
    }
}
