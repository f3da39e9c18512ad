package dev.spool.server.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/** What no SDK sends: malformed requests get SQS errors in the protocol they came in. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqsWireTest {
    private static SpoolServer server;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        server = SpoolServer.start(ServerConfig.ephemeralMemory()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> json(String target, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/"))
                .header("Content-Type", "application/x-amz-json-1.0").header("X-Amz-Target", target)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> form(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerJsonErrorsWithTypeAndQueryCode() throws Exception {
        HttpResponse<String> bad = json("AmazonSQS.ListQueues", "{not json");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("\"__type\":\"com.amazonaws.sqs#SerializationException\"");
        HttpResponse<String> unknown = json("AmazonSQS.Frobnicate", "{}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("UnknownOperationException");
        HttpResponse<String> missing = json("AmazonSQS.GetQueueUrl", "{}");
        assertThat(missing.headers().firstValue("x-amzn-query-error")).hasValue("MissingParameter;Sender");
        HttpResponse<String> perm = json("AmazonSQS.AddPermission", "{}");
        assertThat(perm.headers().firstValue("x-amzn-query-error"))
                .hasValue("AWS.SimpleQueueService.UnsupportedOperation;Sender");
    }

    @Test
    void shouldAnswerQueryRequestsInXml() throws Exception {
        HttpResponse<String> created = form("/", "Action=CreateQueue&QueueName=wire-q&Attribute.1.Name=DelaySeconds"
                + "&Attribute.1.Value=0&Version=2012-11-05");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        assertThat(created.headers().firstValue("Content-Type")).hasValue("text/xml");
        assertThat(created.body())
                .contains("<CreateQueueResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">")
                .contains("<QueueUrl>" + server.url() + "/000000000000/wire-q</QueueUrl>");
        HttpResponse<String> sent = form("/000000000000/wire-q", "Action=SendMessage&MessageBody=a%26b%3Cc");
        assertThat(sent.body()).contains("<MD5OfMessageBody>");
        HttpResponse<String> got = form("/", "Action=ReceiveMessage&QueueUrl=" + server.url()
                + "/000000000000/wire-q");
        assertThat(got.body()).contains("<Body>a&amp;b&lt;c</Body>");
        HttpResponse<String> noAction = form("/", "QueueName=x");
        assertThat(noAction.statusCode()).isEqualTo(400);
        assertThat(noAction.body()).contains("<Code>MissingParameter</Code>").contains("<Type>Sender</Type>");
        HttpResponse<String> gone = form("/000000000000/nope", "Action=PurgeQueue");
        assertThat(gone.body()).contains("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>");
        HttpResponse<String> otherAccount = form("/111111111111/wire-q", "Action=PurgeQueue");
        assertThat(otherAccount.body()).contains("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>");
    }

    @Test
    void shouldLeaveOtherRequestsToTheNativeApi() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("\"code\":\"not_found\"");
    }
}
