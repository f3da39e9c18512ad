package dev.spool.server.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.sqs.AmazonSQS;
import com.amazonaws.services.sqs.AmazonSQSClientBuilder;
import com.amazonaws.services.sqs.model.AmazonSQSException;
import com.amazonaws.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import com.amazonaws.services.sqs.model.CreateQueueRequest;
import com.amazonaws.services.sqs.model.DeleteMessageBatchRequestEntry;
import com.amazonaws.services.sqs.model.DeleteMessageBatchResult;
import com.amazonaws.services.sqs.model.GetQueueAttributesRequest;
import com.amazonaws.services.sqs.model.ListDeadLetterSourceQueuesRequest;
import com.amazonaws.services.sqs.model.ListMessageMoveTasksRequest;
import com.amazonaws.services.sqs.model.ListQueuesRequest;
import com.amazonaws.services.sqs.model.ListQueuesResult;
import com.amazonaws.services.sqs.model.Message;
import com.amazonaws.services.sqs.model.MessageAttributeValue;
import com.amazonaws.services.sqs.model.QueueDoesNotExistException;
import com.amazonaws.services.sqs.model.ReceiveMessageRequest;
import com.amazonaws.services.sqs.model.SendMessageBatchRequestEntry;
import com.amazonaws.services.sqs.model.SendMessageBatchResult;
import com.amazonaws.services.sqs.model.SendMessageRequest;
import com.amazonaws.services.sqs.model.SendMessageResult;
import com.amazonaws.services.sqs.model.StartMessageMoveTaskRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * The SQS endpoint through the AWS SDK for Java v1, which speaks the query protocol (form-encoded
 * requests posted to the queue URL, XML replies) and verifies the MD5s itself; signed with SigV4
 * against a configured key.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqsQueryProtocolTest {
    private static SpoolServer server;
    private static AmazonSQS sqs;

    @BeforeAll
    static void start() throws Exception {
        server = SpoolServer.start(ServerConfig.ephemeralMemory().withSqs(SqsConfig.DEFAULTS
                .withAccessKeys(Map.of("AKIDQUERY", "query-secret")))).toCompletableFuture().get(30, TimeUnit.SECONDS);
        sqs = AmazonSQSClientBuilder.standard()
                .withEndpointConfiguration(new AwsClientBuilder.EndpointConfiguration(server.url(), "us-east-1"))
                .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials("AKIDQUERY", "query-secret")))
                .build();
    }

    @AfterAll
    static void stop() {
        sqs.shutdown();
        server.close();
    }

    @Test
    void shouldCreateFindListAndDeleteQueues() {
        String url = sqs.createQueue(new CreateQueueRequest("q-life").addAttributesEntry("VisibilityTimeout", "40")
                .addTagsEntry("team", "core")).getQueueUrl();
        sqs.createQueue("q-life-2");
        assertThat(url).isEqualTo(server.url() + "/000000000000/q-life");
        assertThat(sqs.getQueueUrl("q-life").getQueueUrl()).isEqualTo(url);
        ListQueuesResult page = sqs.listQueues(new ListQueuesRequest("q-life").withMaxResults(1));
        assertThat(page.getQueueUrls()).containsExactly(url);
        assertThat(sqs.listQueues(new ListQueuesRequest("q-life").withMaxResults(1).withNextToken(page.getNextToken()))
                .getQueueUrls()).containsExactly(server.url() + "/000000000000/q-life-2");
        assertThat(sqs.getQueueAttributes(url, List.of("All")).getAttributes())
                .containsEntry("VisibilityTimeout", "40").containsEntry("ApproximateNumberOfMessages", "0");
        sqs.tagQueue(url, Map.of("env", "test"));
        sqs.untagQueue(url, List.of("team"));
        assertThat(sqs.listQueueTags(url).getTags()).isEqualTo(Map.of("env", "test"));
        sqs.setQueueAttributes(url, Map.of("DelaySeconds", "2"));
        assertThat(sqs.getQueueAttributes(new GetQueueAttributesRequest(url).withAttributeNames("DelaySeconds"))
                .getAttributes()).isEqualTo(Map.of("DelaySeconds", "2"));
        sqs.purgeQueue(new com.amazonaws.services.sqs.model.PurgeQueueRequest(url));
        sqs.deleteQueue(url);
        assertThatThrownBy(() -> sqs.getQueueUrl("q-life")).isInstanceOf(QueueDoesNotExistException.class)
                .satisfies(e -> assertThat(((AmazonSQSException) e).getErrorCode())
                        .isEqualTo("AWS.SimpleQueueService.NonExistentQueue"));
    }

    @Test
    void shouldSendAndReceiveWithAttributesWhoseChecksumsTheSdkVerifies() {
        String url = sqs.createQueue("q-attrs").getQueueUrl();
        Map<String, MessageAttributeValue> attrs = Map.of(
                "kind", new MessageAttributeValue().withDataType("String").withStringValue("a <b> & \"c\"\r\nd"),
                "n", new MessageAttributeValue().withDataType("Number").withStringValue("-3.5"),
                "bin", new MessageAttributeValue().withDataType("Binary.raw")
                        .withBinaryValue(ByteBuffer.wrap(new byte[] {9, 8, 7})));
        SendMessageResult sent = sqs.sendMessage(new SendMessageRequest(url, "bödy <xml> & \r\n more")
                .withMessageAttributes(attrs));
        Message m = sqs.receiveMessage(new ReceiveMessageRequest(url).withMessageAttributeNames("All")
                .withAttributeNames("All")).getMessages().get(0);
        assertThat(m.getMessageId()).isEqualTo(sent.getMessageId());
        assertThat(m.getBody()).isEqualTo("bödy <xml> & \r\n more");
        assertThat(m.getMessageAttributes()).isEqualTo(attrs);
        assertThat(m.getAttributes()).containsEntry("ApproximateReceiveCount", "1").containsKey("SentTimestamp");
        sqs.changeMessageVisibility(url, m.getReceiptHandle(), 0);
        Message again = sqs.receiveMessage(new ReceiveMessageRequest(url).withWaitTimeSeconds(5)).getMessages().get(0);
        sqs.deleteMessage(url, again.getReceiptHandle());
        assertThat(sqs.receiveMessage(url).getMessages()).isEmpty();
    }

    @Test
    void shouldReportPerEntryFailuresInBatches() {
        String url = sqs.createQueue("q-batch").getQueueUrl();
        SendMessageBatchResult sent = sqs.sendMessageBatch(url, List.of(
                new SendMessageBatchRequestEntry("a", "one"),
                new SendMessageBatchRequestEntry("b", "two").withDelaySeconds(901),
                new SendMessageBatchRequestEntry("c", "three").withMessageAttributes(Map.of("k",
                        new MessageAttributeValue().withDataType("String").withStringValue("v")))));
        assertThat(sent.getSuccessful()).extracting(e -> e.getId()).containsExactly("a", "c");
        assertThat(sent.getFailed()).extracting(e -> e.getId(), e -> e.getCode(), e -> e.getSenderFault())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("b", "InvalidParameterValue", true));
        List<Message> got = sqs.receiveMessage(new ReceiveMessageRequest(url).withMaxNumberOfMessages(10))
                .getMessages();
        assertThat(got).hasSize(2);
        assertThat(sqs.changeMessageVisibilityBatch(url, List.of(
                new ChangeMessageVisibilityBatchRequestEntry("x", got.get(0).getReceiptHandle())
                        .withVisibilityTimeout(100))).getSuccessful()).hasSize(1);
        DeleteMessageBatchResult del = sqs.deleteMessageBatch(url, List.of(
                new DeleteMessageBatchRequestEntry("d1", got.get(0).getReceiptHandle()),
                new DeleteMessageBatchRequestEntry("d2", got.get(1).getReceiptHandle()),
                new DeleteMessageBatchRequestEntry("d3", "bogus")));
        assertThat(del.getSuccessful()).extracting(e -> e.getId()).containsExactly("d1", "d2");
        assertThat(del.getFailed()).extracting(e -> e.getCode()).containsExactly("ReceiptHandleIsInvalid");
    }

    @Test
    void shouldDeliverFifoInOrderAndWakeLongPoll() throws Exception {
        String url = sqs.createQueue(new CreateQueueRequest("q-order.fifo").addAttributesEntry("FifoQueue", "true"))
                .getQueueUrl();
        CompletableFuture<List<Message>> waiting = CompletableFuture.supplyAsync(() -> sqs.receiveMessage(
                new ReceiveMessageRequest(url).withWaitTimeSeconds(20).withMaxNumberOfMessages(10)
                        .withAttributeNames("MessageGroupId")).getMessages());
        org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(500))
                .atMost(java.time.Duration.ofSeconds(5)).until(() -> !waiting.isDone());
        sqs.sendMessage(new SendMessageRequest(url, "g1").withMessageGroupId("g").withMessageDeduplicationId("1"));
        sqs.sendMessage(new SendMessageRequest(url, "g2").withMessageGroupId("g").withMessageDeduplicationId("2"));
        sqs.sendMessage(new SendMessageRequest(url, "g1").withMessageGroupId("g").withMessageDeduplicationId("1"));
        List<Message> first = waiting.get(15, TimeUnit.SECONDS);
        assertThat(first).extracting(Message::getBody).containsExactly("g1");
        assertThat(first.get(0).getAttributes()).containsEntry("MessageGroupId", "g");
        sqs.deleteMessage(url, first.get(0).getReceiptHandle());
        assertThat(sqs.receiveMessage(new ReceiveMessageRequest(url).withMaxNumberOfMessages(10)).getMessages())
                .extracting(Message::getBody).containsExactly("g2");
    }

    @Test
    void shouldMoveDeadLettersBack() {
        String dlq = sqs.createQueue("q-dead").getQueueUrl();
        String arn = sqs.getQueueAttributes(dlq, List.of("QueueArn")).getAttributes().get("QueueArn");
        String url = sqs.createQueue(new CreateQueueRequest("q-src").addAttributesEntry("RedrivePolicy",
                "{\"deadLetterTargetArn\":\"" + arn + "\",\"maxReceiveCount\":\"1\"}")).getQueueUrl();
        assertThat(sqs.listDeadLetterSourceQueues(new ListDeadLetterSourceQueuesRequest(dlq)).getQueueUrls())
                .containsExactly(url);
        sqs.sendMessage(url, "poison");
        Message m = sqs.receiveMessage(url).getMessages().get(0);
        sqs.changeMessageVisibility(url, m.getReceiptHandle(), 0);
        List<Message> dead = sqs.receiveMessage(new ReceiveMessageRequest(dlq).withWaitTimeSeconds(5)).getMessages();
        assertThat(dead).extracting(Message::getBody).containsExactly("poison");
        // a leased dead letter is not moved: give it back first
        sqs.changeMessageVisibility(dlq, dead.get(0).getReceiptHandle(), 0);
        String handle = sqs.startMessageMoveTask(new StartMessageMoveTaskRequest().withSourceArn(arn)).getTaskHandle();
        assertThat(sqs.listMessageMoveTasks(new ListMessageMoveTasksRequest().withSourceArn(arn)).getResults())
                .extracting(r -> r.getStatus(), r -> r.getApproximateNumberOfMessagesMoved())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("COMPLETED", 1L));
        assertThat(sqs.receiveMessage(new ReceiveMessageRequest(url).withWaitTimeSeconds(5)).getMessages())
                .extracting(Message::getBody).containsExactly("poison");
        assertThatThrownBy(() -> sqs.cancelMessageMoveTask(
                new com.amazonaws.services.sqs.model.CancelMessageMoveTaskRequest().withTaskHandle(handle)))
                .satisfies(e -> assertThat(((AmazonSQSException) e).getErrorCode())
                        .isEqualTo("AWS.SimpleQueueService.UnsupportedOperation"));
    }

    @Test
    void shouldAnswerSqsErrorsAsXml() {
        assertThatThrownBy(() -> sqs.sendMessage(server.url() + "/000000000000/nowhere", "x"))
                .isInstanceOf(QueueDoesNotExistException.class);
        String url = sqs.createQueue("q-errors").getQueueUrl();
        assertThatThrownBy(() -> sqs.setQueueAttributes(url, Map.of("Bogus", "1")))
                .isInstanceOf(AmazonSQSException.class)
                .satisfies(e -> assertThat(((AmazonSQSException) e).getErrorCode()).isEqualTo("InvalidAttributeName"));
        assertThatThrownBy(() -> sqs.deleteMessage(url, "not-a-handle"))
                .satisfies(e -> assertThat(((AmazonSQSException) e).getErrorCode())
                        .isEqualTo("ReceiptHandleIsInvalid"));
    }
}
