package dev.spool.server.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SqsException;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/** Signature Version 4 on the SQS endpoint: verified against configured keys, or unsigned when allowed. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqsSigV4Test {
    private static SpoolServer strict;
    private static SpoolServer lenient;

    @BeforeAll
    static void start() throws Exception {
        SqsConfig keys = SqsConfig.DEFAULTS.withAccessKeys(Map.of("AKIDSPOOL", "s3cr3t", "AKIDOTHER", "other"));
        strict = SpoolServer.start(ServerConfig.ephemeralMemory().withSqs(keys)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        lenient = SpoolServer.start(ServerConfig.ephemeralMemory().withSqs(keys.withAllowUnsigned(true)))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        strict.close();
        lenient.close();
    }

    private static SqsClient anonymous(SpoolServer s) {
        return SqsClient.builder().endpointOverride(URI.create(s.url())).region(Region.US_EAST_1)
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    private static void assertCode(Runnable call, int status, String code) {
        assertThatThrownBy(call::run).isInstanceOf(SqsException.class)
                .satisfies(e -> assertThat(((SqsException) e).statusCode()).isEqualTo(status))
                .satisfies(e -> assertThat(((SqsException) e).awsErrorDetails().errorCode()).isEqualTo(code));
    }

    @Test
    void shouldAcceptRequestsSignedWithAConfiguredKey() {
        try (SqsClient c = SqsJsonProtocolTest.client(strict, "AKIDSPOOL", "s3cr3t");
                SqsClient other = SqsJsonProtocolTest.client(strict, "AKIDOTHER", "other")) {
            String url = c.createQueue(b -> b.queueName("signed")).queueUrl();
            other.sendMessage(b -> b.queueUrl(url).messageBody("hello"));
            assertThat(c.receiveMessage(b -> b.queueUrl(url).messageSystemAttributeNames(
                    software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName.SENDER_ID)).messages().get(0)
                    .attributesAsStrings()).containsEntry("SenderId", "AKIDOTHER");
        }
    }

    @Test
    void shouldRefuseRequestsWhenSignatureOrKeyIsWrong() {
        try (SqsClient wrongSecret = SqsJsonProtocolTest.client(strict, "AKIDSPOOL", "guess");
                SqsClient unknown = SqsJsonProtocolTest.client(strict, "AKIDNOBODY", "s3cr3t")) {
            assertCode(() -> wrongSecret.listQueues(), 403, "SignatureDoesNotMatch");
            assertCode(() -> unknown.listQueues(), 403, "InvalidClientTokenId");
        }
    }

    @Test
    void shouldRefuseUnsignedRequestsUnlessAllowed() {
        try (SqsClient a = anonymous(strict); SqsClient b = anonymous(lenient);
                SqsClient wrong = SqsJsonProtocolTest.client(lenient, "AKIDSPOOL", "guess")) {
            assertCode(() -> a.listQueues(), 403, "MissingAuthenticationToken");
            assertThat(b.createQueue(r -> r.queueName("unsigned-ok")).queueUrl()).endsWith("/unsigned-ok");
            assertCode(() -> wrong.listQueues(), 403, "SignatureDoesNotMatch");
        }
    }

    @Test
    void shouldRefuseSignedRequestWhenBodyWasChanged() throws Exception {
        // a request signed for one body and sent with another: the recomputed payload hash differs
        String body = "{\"QueueNamePrefix\":\"a\"}";
        var signer = software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.create();
        var request = software.amazon.awssdk.http.SdkHttpFullRequest.builder()
                .uri(URI.create(strict.url() + "/")).method(software.amazon.awssdk.http.SdkHttpMethod.POST)
                .putHeader("Content-Type", "application/x-amz-json-1.0")
                .putHeader("X-Amz-Target", "AmazonSQS.ListQueues").build();
        var signed = signer.sign(r -> r.request(request)
                .payload(software.amazon.awssdk.http.ContentStreamProvider.fromUtf8String(body))
                .identity(software.amazon.awssdk.identity.spi.AwsCredentialsIdentity.create("AKIDSPOOL", "s3cr3t"))
                .putProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.SERVICE_SIGNING_NAME, "sqs")
                .putProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.REGION_NAME, "us-east-1"));
        HttpClient http = HttpClient.newHttpClient();
        for (String sent : new String[] {body, "{\"QueueNamePrefix\":\"b\"}"}) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(strict.url() + "/"))
                    .POST(HttpRequest.BodyPublishers.ofString(sent));
            signed.request().forEachHeader((k, v) -> {
                if (!k.equalsIgnoreCase("Host")) {
                    b.header(k, v.get(0));
                }
            });
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (sent.equals(body)) {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            } else {
                assertThat(r.statusCode()).isEqualTo(403);
                assertThat(r.headers().firstValue("x-amzn-query-error")).hasValue("SignatureDoesNotMatch;Sender");
            }
        }
    }
}
