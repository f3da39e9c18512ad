package dev.spool.bench;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import dev.spool.bench.Stats.Op;

/**
 * Load over HTTP/1.1 keep-alive with a Vert.x client: JSON pushes of a batch, long-poll pops and
 * acks; or, for raw runs, one payload per request both ways ({@code Spool-Header-Bench} carries the
 * identity; the popped body is streamed and counted, never held whole).
 */
final class HttpDriver implements Driver {
    static final long WAIT_MS = 1000;
    private static final String JSON = "application/json";

    private final Run run;
    private final HttpClient producerClient;
    private final HttpClient consumerClient;
    private final String base;
    private final Buffer rawPayload;
    /** The Authorization header value, or null without a token. */
    private final String authorization;

    HttpDriver(Vertx vertx, URI url, Run run) {
        this.run = run;
        LoadSpec s = run.spec;
        // separate pools: waiting long polls must not hold connections pushes need
        this.producerClient = client(vertx, url, s.producers() * (s.rate() > 0 ? 32 : s.requestsInFlight()),
                run.options);
        this.consumerClient = client(vertx, url, s.consumers() * s.groups() * (s.ackEach() ? 8 : 1), run.options);
        this.authorization = BenchTls.authorization(run.options);
        this.base = "/v1/queues/" + run.queue;
        this.rawPayload = s.raw() ? rawPayload(s.messageBytes()) : null;
    }

    /**
     * The raw payload, off-heap: Netty writes a direct buffer to the socket as it is, where a heap
     * buffer would be copied into a direct one on every push (a JFR profile showed that copy as the
     * load generator's largest cost in the large scenario).
     */
    private static Buffer rawPayload(int size) {
        ByteBuf direct = Unpooled.directBuffer(size, size).writeZero(size);
        return Buffer.buffer(Unpooled.unreleasableBuffer(direct));
    }

    static HttpClient client(Vertx vertx, URI url, int connections, CommonOptions o) {
        HttpClientOptions opts = BenchTls.client(new HttpClientOptions().setDefaultHost(url.getHost())
                .setDefaultPort(url.getPort()).setKeepAlive(true).setIdleTimeout(0).setMaxInitialLineLength(16_384),
                url, o);
        return vertx.createHttpClient(opts, new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    }

    /** Adds the bearer token, if any. */
    private RequestOptions auth(RequestOptions o) {
        return BenchTls.auth(o, authorization);
    }

    /** Sends a request; completes with the body of a 200 reply, exceptionally otherwise. */
    Future<Buffer> call(HttpMethod method, String uri, String contentType, Buffer body) {
        return call(consumerClient, method, uri, contentType, body);
    }

    private Future<Buffer> call(HttpClient client, HttpMethod method, String uri, String contentType,
            Buffer body) {
        RequestOptions o = auth(new RequestOptions().setMethod(method).setURI(uri));
        if (contentType != null) {
            o.putHeader("Content-Type", contentType);
        }
        return client.request(o).compose(req -> req.send(body)).compose(resp -> resp.body().map(b -> {
            CpuSplit.markLoad();
            if (resp.statusCode() != 200) {
                throw new IllegalStateException(method + " " + uri + " -> " + resp.statusCode() + " " + b);
            }
            return b;
        }));
    }

    @Override
    public CompletableFuture<Pusher> producer(int index) {
        Pusher p = run.spec.raw() ? this::pushRaw : this::pushJson;
        return CompletableFuture.completedFuture(p);
    }

    private CompletableFuture<Void> pushJson(Batch b) {
        Buffer body = Buffer.buffer("{\"messages\":" + run.jsonMessages(b) + "}");
        return call(producerClient, HttpMethod.POST, base + "/messages", JSON, body).<Void>mapEmpty()
                .toCompletionStage().toCompletableFuture();
    }

    private CompletableFuture<Void> pushRaw(Batch b) {
        RequestOptions o = auth(new RequestOptions().setMethod(HttpMethod.POST).setURI(base + "/messages"))
                .putHeader("Content-Type", "application/octet-stream")
                .putHeader("Spool-Header-Bench", Ids.text(b.producer(), b.firstSeq()));
        return producerClient.request(o).compose(req -> req.send(rawPayload)).compose(resp -> resp.body().map(body -> {
            CpuSplit.markLoad();
            if (resp.statusCode() != 200) {
                throw new IllegalStateException("raw push -> " + resp.statusCode() + " " + body);
            }
            return (Void) null;
        })).toCompletionStage().toCompletableFuture();
    }

    @Override
    public CompletableFuture<ConsumerHandle> consumer(int group, int index) {
        Consumer c = new Consumer(group);
        c.loop();
        return CompletableFuture.completedFuture(c);
    }

    @Override
    public void close() {
        producerClient.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
        consumerClient.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** One consumer: pop (long poll), record, ack, again. */
    private final class Consumer implements ConsumerHandle {
        private final int group;
        private final String groupName;
        private final Buffer popBody;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private volatile boolean stopped;

        Consumer(int group) {
            this.group = group;
            this.groupName = Run.groupName(group);
            this.popBody = Buffer.buffer(new JsonObject().put("max", run.spec.raw() ? 1 : run.spec.popMax())
                    .put("wait_ms", WAIT_MS).put("group", groupName).encode());
        }

        @Override
        public CompletableFuture<Void> stop() {
            stopped = true;
            return done;
        }

        void loop() {
            if (stopped) {
                done.complete(null);
                return;
            }
            long t0 = System.nanoTime();
            Future<List<String>> popped = run.spec.raw() ? popRaw(t0) : popJson(t0);
            popped.onComplete(ar -> {
                CpuSplit.markLoad();
                if (ar.failed()) {
                    run.stats.error("pop", ar.cause());
                    run.scheduler.schedule(this::loop, 10, TimeUnit.MILLISECONDS);
                } else if (ar.result().isEmpty()) {
                    loop();
                } else {
                    ack(ar.result()).onComplete(x -> loop());
                }
            });
        }

        private Future<List<String>> popJson(long t0) {
            return call(HttpMethod.POST, base + "/pop", JSON, popBody).map(buf -> {
                run.stats.record(Op.POP, t0);
                Frames.Frame f = Frames.parse(buf);
                for (int i = 0; i < f.deliveries(); i++) {
                    run.delivered(group, f.ids[i]);
                }
                return f.receipts;
            });
        }

        private Future<List<String>> popRaw(long t0) {
            RequestOptions o = auth(new RequestOptions().setMethod(HttpMethod.POST).setURI(base + "/pop"))
                    .putHeader("Content-Type", JSON).putHeader("Accept", "application/octet-stream");
            return consumerClient.request(o).compose(req -> req.send(popBody)).compose(this::readRaw).map(r -> {
                if (r.isEmpty()) {
                    return List.<String>of();
                }
                run.stats.record(Op.POP, t0);
                return r;
            });
        }

        private Future<List<String>> readRaw(HttpClientResponse resp) {
            if (resp.statusCode() == 204) {
                return resp.body().map(b -> List.of());
            }
            if (resp.statusCode() != 200) {
                return resp.body().compose(b -> Future.failedFuture("raw pop -> " + resp.statusCode() + " " + b));
            }
            String receipt = resp.getHeader("Spool-Receipt");
            String id = resp.getHeader("Spool-Header-Bench");
            long[] bytes = {0};
            io.vertx.core.Promise<List<String>> p = io.vertx.core.Promise.promise();
            resp.handler(b -> bytes[0] += b.length());
            resp.exceptionHandler(p::tryFail);
            resp.endHandler(v -> {
                if (bytes[0] != run.spec.messageBytes()) {
                    run.stats.error("raw pop returned " + bytes[0] + " bytes, expected " + run.spec.messageBytes(),
                            null);
                } else {
                    run.delivered(group, Ids.parse(id));
                }
                p.tryComplete(receipt == null ? List.of() : List.of(receipt));
            });
            return p.future();
        }

        private Future<Void> ack(List<String> receipts) {
            if (!run.spec.ackEach() || receipts.size() == 1) {
                return ackCall(receipts);
            }
            List<Future<Void>> all = new ArrayList<>(receipts.size());
            for (String r : receipts) {
                all.add(ackCall(List.of(r)));
            }
            return Future.join(all).mapEmpty();
        }

        private Future<Void> ackCall(List<String> receipts) {
            long t0 = System.nanoTime();
            Buffer body = Buffer.buffer(new JsonObject().put("receipts", new JsonArray(receipts))
                    .put("group", groupName).encode());
            return call(HttpMethod.POST, base + "/ack", JSON, body).<Void>map(buf -> {
                run.stats.record(Op.ACK, t0);
                countAckResults(run, Frames.parse(buf));
                return null;
            }).recover(e -> {
                run.stats.error("ack", e);
                return Future.succeededFuture();
            });
        }
    }

    /** Counts ok outcomes as acked and any other as an error. */
    static void countAckResults(Run run, Frames.Frame f) {
        run.stats.ackedMessages.add(f.ok);
        if (f.notOk > 0) {
            run.stats.error(f.notOk + " ack outcomes not ok, e.g. " + f.firstBadStatus, null);
        }
    }
}
