package dev.spool.bench;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import dev.spool.bench.Stats.Op;

/**
 * Load through the SQS-compatible endpoint ({@code docs/sqs.md}) in the AWS JSON 1.0 protocol over
 * HTTP/1.1 keep-alive: {@code SendMessageBatch} of up to 10 messages, {@code ReceiveMessage} of up
 * to 10 with a 1 s long poll, {@code DeleteMessageBatch} of what was received. Requests are unsigned
 * and replies are not checked against their MD5s: this is the endpoint's cost, without an SDK's.
 */
final class SqsDriver implements Driver {
    static final int MAX_BATCH = 10;
    private static final String JSON = "application/x-amz-json-1.0";

    private final Run run;
    private final HttpClient producerClient;
    private final HttpClient consumerClient;
    private final String queueUrl;
    /** The Authorization header value (a Spool bearer token, which the SQS endpoint accepts), or null. */
    private final String authorization;

    SqsDriver(Vertx vertx, URI url, Run run) {
        this.run = run;
        LoadSpec s = run.spec;
        this.authorization = BenchTls.authorization(run.options);
        this.producerClient = client(vertx, url, s.producers() * (s.rate() > 0 ? 32 : s.requestsInFlight()),
                run.options);
        this.consumerClient = client(vertx, url, s.consumers(), run.options);
        this.queueUrl = url.getScheme() + "://" + url.getHost() + ":" + url.getPort() + "/000000000000/" + run.queue;
    }

    private static HttpClient client(Vertx vertx, URI url, int connections, CommonOptions o) {
        return vertx.createHttpClient(BenchTls.client(new HttpClientOptions().setDefaultHost(url.getHost())
                .setDefaultPort(url.getPort()).setKeepAlive(true).setIdleTimeout(0), url, o),
                new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    }

    private Future<JsonObject> call(HttpClient client, String action, JsonObject body) {
        RequestOptions o = BenchTls.auth(new RequestOptions(), authorization).setMethod(HttpMethod.POST).setURI("/")
                .putHeader("Content-Type", JSON).putHeader("X-Amz-Target", "AmazonSQS." + action);
        return client.request(o).compose(req -> req.send(Buffer.buffer(body.encode())))
                .compose(resp -> resp.body().map(b -> {
                    CpuSplit.markLoad();
                    if (resp.statusCode() != 200) {
                        throw new IllegalStateException(action + " -> " + resp.statusCode() + " " + b);
                    }
                    return new JsonObject(b);
                }));
    }

    @Override
    public CompletableFuture<Pusher> producer(int index) {
        return CompletableFuture.completedFuture(this::send);
    }

    private CompletableFuture<Void> send(Batch b) {
        JsonArray entries = new JsonArray();
        for (int i = 0; i < b.size(); i++) {
            entries.add(new JsonObject().put("Id", "m" + i)
                    .put("MessageBody", run.payloadText(b.producer(), b.firstSeq() + i)));
        }
        return call(producerClient, "SendMessageBatch", new JsonObject().put("QueueUrl", queueUrl)
                .put("Entries", entries)).<Void>map(r -> {
                    JsonArray failed = r.getJsonArray("Failed");
                    if (failed != null && !failed.isEmpty()) {
                        throw new IllegalStateException("SendMessageBatch failed entries: " + failed.encode());
                    }
                    return null;
                }).toCompletionStage().toCompletableFuture();
    }

    @Override
    public CompletableFuture<ConsumerHandle> consumer(int group, int index) {
        Consumer c = new Consumer();
        c.loop();
        return CompletableFuture.completedFuture(c);
    }

    @Override
    public void close() {
        producerClient.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
        consumerClient.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** One consumer: receive (long poll), record, delete the batch, again. */
    private final class Consumer implements ConsumerHandle {
        private final JsonObject receive = new JsonObject().put("QueueUrl", queueUrl)
                .put("MaxNumberOfMessages", Math.min(MAX_BATCH, run.spec.popMax())).put("WaitTimeSeconds", 1);
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private volatile boolean stopped;

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
            call(consumerClient, "ReceiveMessage", receive).map(r -> {
                JsonArray messages = r.getJsonArray("Messages");
                List<String> handles = new ArrayList<>();
                if (messages != null && !messages.isEmpty()) {
                    run.stats.record(Op.POP, t0);
                    for (int i = 0; i < messages.size(); i++) {
                        JsonObject m = messages.getJsonObject(i);
                        run.delivered(0, Ids.parse(m.getString("Body")));
                        handles.add(m.getString("ReceiptHandle"));
                    }
                }
                return handles;
            }).onComplete(ar -> {
                CpuSplit.markLoad();
                if (ar.failed()) {
                    run.stats.error("receive", ar.cause());
                    run.scheduler.schedule(this::loop, 10, TimeUnit.MILLISECONDS);
                } else if (ar.result().isEmpty()) {
                    loop();
                } else {
                    delete(ar.result()).onComplete(x -> loop());
                }
            });
        }

        private Future<Void> delete(List<String> handles) {
            long t0 = System.nanoTime();
            JsonArray entries = new JsonArray();
            for (int i = 0; i < handles.size(); i++) {
                entries.add(new JsonObject().put("Id", "d" + i).put("ReceiptHandle", handles.get(i)));
            }
            return call(consumerClient, "DeleteMessageBatch", new JsonObject().put("QueueUrl", queueUrl)
                    .put("Entries", entries)).<Void>map(r -> {
                        run.stats.record(Op.ACK, t0);
                        JsonArray ok = r.getJsonArray("Successful");
                        run.stats.ackedMessages.add(ok == null ? 0 : ok.size());
                        JsonArray failed = r.getJsonArray("Failed");
                        if (failed != null && !failed.isEmpty()) {
                            run.stats.error(failed.size() + " deletes failed, e.g. " + failed.getValue(0), null);
                        }
                        return null;
                    }).recover(e -> {
                        run.stats.error("delete", e);
                        return Future.succeededFuture();
                    });
        }
    }
}
