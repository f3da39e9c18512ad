package dev.spool.server.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.sqs.AmazonSQS;
import com.amazonaws.services.sqs.AmazonSQSClientBuilder;
import com.amazonaws.services.sqs.model.AmazonSQSException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SqsException;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * SQS access keys as Spool identities on a server with {@code auth: required}: each key holds the
 * permissions of {@code sqs-key-grants}, every action checks its queue's permission, and refusals
 * use SQS's codes and statuses without telling whether a queue exists. Through the AWS SDK for Java
 * v2 (JSON protocol) and v1 (query protocol).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SqsAuthorizationTest {
    static final String BEARER = "bootstrap-admin-secret-0123456789";
    static final Map<String, String> KEYS = Map.of("AKIDADMIN", "admin-secret", "AKIDPRODUCER", "producer-secret",
            "AKIDORDERS", "orders-secret", "AKIDNOBODY", "nobody-secret", "AKIDOPS", "ops-secret");
    static final String GRANTS = "AKIDADMIN=admin:*,produce:*,consume:*;AKIDPRODUCER=produce:orders-*;"
            + "AKIDORDERS=consume:orders-*;AKIDOPS=admin:orders-*";

    static SpoolServer server;
    static SqsClient admin;
    static String orders;
    static String billing;

    @BeforeAll
    static void start() throws Exception {
        serve(ServerConfig.ephemeralMemory());
    }

    static void serve(ServerConfig storage) throws Exception {
        // sqs-allow-unsigned is on to show that it has no effect once authentication is required
        ServerConfig c = storage.withSqs(SqsConfig.DEFAULTS.withAccessKeys(KEYS).withAllowUnsigned(true)
                .withKeyGrants(SqsConfig.parseKeyGrants(GRANTS)))
                .withSecurity(storage.security().withAuthRequired(true).withAdminToken(BEARER));
        server = SpoolServer.start(c).toCompletableFuture().get(60, TimeUnit.SECONDS);
        admin = client("AKIDADMIN", "admin-secret");
        orders = admin.createQueue(b -> b.queueName("orders-eu")).queueUrl();
        billing = admin.createQueue(b -> b.queueName("billing")).queueUrl();
    }

    @AfterAll
    static void stop() {
        admin.close();
        server.close();
    }

    static SqsClient client(String key, String secret) {
        return SqsJsonProtocolTest.client(server, key, secret);
    }

    static void assertRefused(Runnable call, int status, String code) {
        assertThatThrownBy(call::run).isInstanceOf(SqsException.class)
                .satisfies(e -> assertThat(((SqsException) e).statusCode()).isEqualTo(status))
                .satisfies(e -> assertThat(((SqsException) e).awsErrorDetails().errorCode()).isEqualTo(code));
    }

    @Test
    void shouldLetProduceOnlyKeySendButNotReceiveWhenGrantedProduce() {
        try (SqsClient producer = client("AKIDPRODUCER", "producer-secret")) {
            producer.sendMessage(b -> b.queueUrl(orders).messageBody("from producer"));
            producer.sendMessageBatch(b -> b.queueUrl(orders).entries(e -> e.id("a").messageBody("batched")));
            assertRefused(() -> producer.receiveMessage(b -> b.queueUrl(orders)), 403, "AccessDenied");
            assertRefused(() -> producer.deleteMessage(b -> b.queueUrl(orders).receiptHandle("x")), 403,
                    "AccessDenied");
            assertRefused(() -> producer.purgeQueue(b -> b.queueUrl(orders)), 403, "AccessDenied");
            assertRefused(() -> producer.createQueue(b -> b.queueName("orders-new")), 403, "AccessDenied");
            assertRefused(() -> producer.sendMessage(b -> b.queueUrl(billing).messageBody("x")), 403,
                    "AccessDenied");
        }
        try (SqsClient consumer = client("AKIDORDERS", "orders-secret")) {
            var got = consumer.receiveMessage(b -> b.queueUrl(orders).maxNumberOfMessages(10)
                    .messageSystemAttributeNamesWithStrings("SenderId")).messages();
            assertThat(got).extracting(m -> m.body()).containsExactlyInAnyOrder("from producer", "batched");
            assertThat(got.get(0).attributesAsStrings()).containsEntry("SenderId", "AKIDPRODUCER");
            consumer.deleteMessageBatch(b -> b.queueUrl(orders).entries(
                    got.stream().map(m -> software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry
                            .builder().id(m.messageId()).receiptHandle(m.receiptHandle()).build()).toList()));
            assertRefused(() -> consumer.sendMessage(b -> b.queueUrl(orders).messageBody("x")), 403, "AccessDenied");
        }
    }

    @Test
    void shouldHideQueuesOutsideItsGrantsWhenConsumingOrders() {
        try (SqsClient consumer = client("AKIDORDERS", "orders-secret")) {
            assertThat(consumer.listQueues().queueUrls()).containsExactly(orders);
            assertThat(consumer.getQueueUrl(b -> b.queueName("orders-eu")).queueUrl()).isEqualTo(orders);
            assertThat(consumer.getQueueAttributes(b -> b.queueUrl(orders)
                    .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes()).hasSize(1);
            // an existing queue and a missing one are refused alike: the reply does not tell them apart
            String missing = billing.replace("billing", "no-such-queue");
            for (String url : new String[] {billing, missing}) {
                assertRefused(() -> consumer.getQueueAttributes(b -> b.queueUrl(url)), 403, "AccessDenied");
                assertRefused(() -> consumer.receiveMessage(b -> b.queueUrl(url)), 403, "AccessDenied");
                assertRefused(() -> consumer.listQueueTags(b -> b.queueUrl(url)), 403, "AccessDenied");
            }
            assertRefused(() -> consumer.getQueueUrl(b -> b.queueName("billing")), 403, "AccessDenied");
            assertRefused(() -> consumer.getQueueUrl(b -> b.queueName("no-such-queue")), 403, "AccessDenied");
            // a queue it may see but that does not exist is reported as missing
            assertRefused(() -> consumer.getQueueUrl(b -> b.queueName("orders-none")), 400,
                    "AWS.SimpleQueueService.NonExistentQueue");
        }
    }

    @Test
    void shouldRequireAdminOnDeadLetterQueueWhenSettingRedrivePolicy() {
        String arn = admin.getQueueAttributes(b -> b.queueUrl(billing).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        String policy = "{\"deadLetterTargetArn\":\"" + arn + "\",\"maxReceiveCount\":\"3\"}";
        String missingPolicy = policy.replace(":billing", ":no-such-dlq");
        try (SqsClient ops = client("AKIDOPS", "ops-secret")) {
            String url = ops.createQueue(b -> b.queueName("orders-ops")).queueUrl();
            for (String p : new String[] {policy, missingPolicy}) {
                assertRefused(() -> ops.setQueueAttributes(b -> b.queueUrl(url)
                        .attributes(Map.of(QueueAttributeName.REDRIVE_POLICY, p))), 403, "AccessDenied");
                assertRefused(() -> ops.createQueue(b -> b.queueName("orders-ops2")
                        .attributes(Map.of(QueueAttributeName.REDRIVE_POLICY, p))), 403, "AccessDenied");
            }
            assertRefused(() -> ops.deleteQueue(b -> b.queueUrl(billing)), 403, "AccessDenied");
            assertRefused(() -> ops.startMessageMoveTask(b -> b.sourceArn(arn)), 403, "AccessDenied");
            ops.deleteQueue(b -> b.queueUrl(url));
        }
        assertThat(admin.listQueues().queueUrls()).contains(billing)
                .noneMatch(u -> u.endsWith("/orders-ops") || u.endsWith("/orders-ops2"));
    }

    @Test
    void shouldRefuseUnknownKeyWrongSecretAndUnsignedRequests() {
        try (SqsClient unknown = client("AKIDSTRANGER", "admin-secret");
                SqsClient wrong = client("AKIDADMIN", "guess");
                SqsClient unsigned = SqsClient.builder().endpointOverride(URI.create(server.url()))
                        .region(Region.US_EAST_1).credentialsProvider(AnonymousCredentialsProvider.create())
                        .httpClient(UrlConnectionHttpClient.create()).build();
                SqsClient nobody = client("AKIDNOBODY", "nobody-secret")) {
            assertRefused(() -> unknown.listQueues(), 403, "InvalidClientTokenId");
            assertRefused(() -> wrong.sendMessage(b -> b.queueUrl(orders).messageBody("x")), 403,
                    "SignatureDoesNotMatch");
            assertRefused(() -> unsigned.listQueues(), 403, "MissingAuthenticationToken");
            assertRefused(() -> unsigned.sendMessage(b -> b.queueUrl(orders).messageBody("x")), 403,
                    "MissingAuthenticationToken");
            assertThat(nobody.listQueues().queueUrls()).isEmpty();
            assertRefused(() -> nobody.receiveMessage(b -> b.queueUrl(orders)), 403, "AccessDenied");
        }
    }

    @Test
    void shouldAcceptSpoolBearerTokenAndRefuseWrongOneWhenNotSigned() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (String token : new String[] {BEARER, "not-a-token-at-all-0123456789"}) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/"))
                    .header("Content-Type", SqsEndpoint.JSON_TYPE).header("X-Amz-Target", "AmazonSQS.ListQueues")
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (token.equals(BEARER)) {
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains(orders).contains(billing);
            } else {
                assertThat(r.statusCode()).isEqualTo(403);
                assertThat(r.headers().firstValue("x-amzn-query-error")).hasValue("InvalidClientTokenId;Sender");
                assertThat(r.body()).doesNotContain(token);
            }
        }
    }

    @Test
    void shouldCheckPermissionsThroughQueryProtocol() {
        AmazonSQS producer = query("AKIDPRODUCER", "producer-secret");
        AmazonSQS stranger = query("AKIDSTRANGER", "producer-secret");
        try {
            producer.sendMessage(orders, "over the query protocol");
            assertThatThrownBy(() -> producer.receiveMessage(orders)).isInstanceOfSatisfying(AmazonSQSException.class,
                    e -> {
                        assertThat(e.getStatusCode()).isEqualTo(403);
                        assertThat(e.getErrorCode()).isEqualTo("AccessDenied");
                    });
            assertThatThrownBy(() -> producer.getQueueUrl("billing")).isInstanceOfSatisfying(AmazonSQSException.class,
                    e -> assertThat(e.getErrorCode()).isEqualTo("AccessDenied"));
            assertThat(producer.listQueues().getQueueUrls()).containsExactly(orders);
            assertThatThrownBy(() -> stranger.listQueues()).isInstanceOfSatisfying(AmazonSQSException.class, e -> {
                assertThat(e.getStatusCode()).isEqualTo(403);
                assertThat(e.getErrorCode()).isEqualTo("InvalidClientTokenId");
            });
            assertThat(admin.receiveMessage(b -> b.queueUrl(orders)).messages()).extracting(m -> m.body())
                    .containsExactly("over the query protocol");
        } finally {
            producer.shutdown();
            stranger.shutdown();
        }
    }

    private static AmazonSQS query(String key, String secret) {
        return AmazonSQSClientBuilder.standard()
                .withEndpointConfiguration(new AwsClientBuilder.EndpointConfiguration(server.url(), "us-east-1"))
                .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials(key, secret))).build();
    }
}
