package dev.spool.server.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * The authorization matrix of the SQS endpoint, in the style of the native API's: every action,
 * signed by a key holding exactly one permission on {@code orders-*}, and by a key holding none;
 * each answers {@code AccessDenied} (403) unless the key holds what the action needs, on an
 * existing queue and on a missing one alike, and on a queue outside the grants always.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SqsAuthorizationMatrixTest {
    private static final String ACCOUNT = "000000000000";
    private static final Map<String, String> KEYS = Map.of("AKIDP", "p-secret", "AKIDC", "c-secret", "AKIDA",
            "a-secret", "AKIDN", "n-secret", "AKIDROOT", "root-secret");
    private static final Map<String, String> NEED_OF_KEY = Map.of("AKIDP", "produce", "AKIDC", "consume", "AKIDA",
            "admin", "AKIDN", "none");
    private static SpoolServer server;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** One action: its body with {@code $Q} for the queue name, and the permission it needs ("any": any grant). */
    private record Row(String action, String body, String need) {
    }

    private static final List<Row> ROWS = List.of(
            new Row("SendMessage", "{\"QueueUrl\":\"$URL\",\"MessageBody\":\"x\"}", "produce"),
            new Row("SendMessageBatch", "{\"QueueUrl\":\"$URL\",\"Entries\":[{\"Id\":\"a\",\"MessageBody\":\"x\"}]}",
                    "produce"),
            new Row("ReceiveMessage", "{\"QueueUrl\":\"$URL\"}", "consume"),
            new Row("DeleteMessage", "{\"QueueUrl\":\"$URL\",\"ReceiptHandle\":\"x\"}", "consume"),
            new Row("DeleteMessageBatch", "{\"QueueUrl\":\"$URL\",\"Entries\":[{\"Id\":\"a\",\"ReceiptHandle\":\"x\"}]}",
                    "consume"),
            new Row("ChangeMessageVisibility", "{\"QueueUrl\":\"$URL\",\"ReceiptHandle\":\"x\",\"VisibilityTimeout\":5}",
                    "consume"),
            new Row("ChangeMessageVisibilityBatch", "{\"QueueUrl\":\"$URL\",\"Entries\":[{\"Id\":\"a\","
                    + "\"ReceiptHandle\":\"x\",\"VisibilityTimeout\":5}]}", "consume"),
            new Row("PurgeQueue", "{\"QueueUrl\":\"$URL\"}", "admin"),
            new Row("SetQueueAttributes", "{\"QueueUrl\":\"$URL\",\"Attributes\":{\"DelaySeconds\":\"0\"}}", "admin"),
            new Row("TagQueue", "{\"QueueUrl\":\"$URL\",\"Tags\":{\"a\":\"b\"}}", "admin"),
            new Row("UntagQueue", "{\"QueueUrl\":\"$URL\",\"TagKeys\":[\"a\"]}", "admin"),
            new Row("ListMessageMoveTasks", "{\"SourceArn\":\"$ARN\"}", "admin"),
            new Row("StartMessageMoveTask", "{\"SourceArn\":\"$ARN\"}", "admin"),
            new Row("CancelMessageMoveTask", "{\"TaskHandle\":\"$HANDLE\"}", "admin"),
            new Row("GetQueueUrl", "{\"QueueName\":\"$Q\"}", "any"),
            new Row("GetQueueAttributes", "{\"QueueUrl\":\"$URL\"}", "any"),
            new Row("ListQueueTags", "{\"QueueUrl\":\"$URL\"}", "any"),
            new Row("ListDeadLetterSourceQueues", "{\"QueueUrl\":\"$URL\"}", "any"),
            // after every row that needs orders-missing to be missing
            new Row("CreateQueue", "{\"QueueName\":\"$Q\"}", "admin"),
            new Row("DeleteQueue", "{\"QueueUrl\":\"$URL\"}", "admin"));

    @BeforeAll
    static void start() throws Exception {
        server = SpoolServer.start(ServerConfig.ephemeralMemory().withSqs(SqsConfig.DEFAULTS.withAccessKeys(KEYS)
                .withKeyGrants(SqsConfig.parseKeyGrants("AKIDP=produce:orders-*;AKIDC=consume:orders-*;"
                        + "AKIDA=admin:orders-*;AKIDROOT=admin:*")))
                .withSecurity(ServerConfig.ephemeralMemory().security().withAuthRequired(true)))
                .toCompletableFuture().get(60, TimeUnit.SECONDS);
        for (String q : new String[] {"orders-a", "billing"}) {
            assertThat(send("AKIDROOT", "CreateQueue", "{\"QueueName\":\"" + q + "\"}").statusCode()).isEqualTo(200);
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> send(String key, String action, String body) throws Exception {
        SdkHttpFullRequest request = SdkHttpFullRequest.builder().uri(URI.create(server.url() + "/"))
                .method(SdkHttpMethod.POST).putHeader("Content-Type", SqsEndpoint.JSON_TYPE)
                .putHeader("X-Amz-Target", SqsEndpoint.TARGET_PREFIX + action).build();
        var signed = AwsV4HttpSigner.create().sign(r -> r.request(request)
                .payload(ContentStreamProvider.fromUtf8String(body))
                .identity(AwsCredentialsIdentity.create(key, KEYS.get(key)))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "sqs")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1"));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + "/"))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        signed.request().forEachHeader((k, v) -> {
            if (!k.equalsIgnoreCase("Host")) {
                b.header(k, v.get(0));
            }
        });
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String body(Row row, String queue) {
        String arn = "arn:aws:sqs:us-east-1:" + ACCOUNT + ":" + queue;
        String handle = Base64.getEncoder().encodeToString(("00000000-0000-0000-0000-000000000000:" + arn)
                .getBytes(StandardCharsets.UTF_8));
        return row.body().replace("$URL", server.url() + "/" + ACCOUNT + "/" + queue).replace("$ARN", arn)
                .replace("$HANDLE", handle).replace("$Q", queue);
    }

    private static boolean denied(HttpResponse<String> r) {
        return r.statusCode() == 403 && r.headers().firstValue("x-amzn-query-error").orElse("")
                .equals("AccessDenied;Sender");
    }

    @Test
    void shouldAllowEachActionOnlyToKeysHoldingItsPermissionWhetherOrNotQueueExists() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Row row : ROWS) {
            for (Map.Entry<String, String> k : NEED_OF_KEY.entrySet()) {
                boolean allowed = row.need().equals(k.getValue()) || row.need().equals("any") && !k.getValue()
                        .equals("none");
                // orders-a exists, orders-missing does not: a refusal must not tell them apart
                for (String queue : new String[] {"orders-a", "orders-missing"}) {
                    if (row.action().equals("DeleteQueue") && allowed && queue.equals("orders-a")) {
                        continue; // run last, below
                    }
                    HttpResponse<String> r = send(k.getKey(), row.action(), body(row, queue));
                    if (denied(r) == allowed) {
                        wrong.add(row.action() + " by " + k.getKey() + " on " + queue + " -> " + r.statusCode() + " "
                                + r.body());
                    }
                }
                HttpResponse<String> outside = send(k.getKey(), row.action(), body(row, "billing"));
                if (!denied(outside)) {
                    wrong.add(row.action() + " by " + k.getKey() + " on billing -> " + outside.statusCode());
                }
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(send("AKIDA", "DeleteQueue", body(ROWS.get(ROWS.size() - 1), "orders-a")).statusCode())
                .isEqualTo(200);
        assertThat(send("AKIDROOT", "ListQueues", "{}").body()).contains("/billing").doesNotContain("orders-a");
    }

    @Test
    void shouldListOnlyQueuesInGrantsWhenListing() throws Exception {
        assertThat(send("AKIDN", "ListQueues", "{}").body()).doesNotContain("billing").doesNotContain("orders");
        assertThat(send("AKIDC", "ListQueues", "{}").body()).doesNotContain("billing");
        assertThat(send("AKIDROOT", "ListQueues", "{}").body()).contains("billing");
    }
}
