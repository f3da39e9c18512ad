package dev.spool.server.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.EmptyBatchRequestException;
import software.amazon.awssdk.services.sqs.model.InvalidAttributeNameException;
import software.amazon.awssdk.services.sqs.model.ListMessageMoveTasksResultEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeNameForSends;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.QueueNameExistsException;
import software.amazon.awssdk.services.sqs.model.ReceiptHandleIsInvalidException;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;
import software.amazon.awssdk.services.sqs.model.TooManyEntriesInBatchRequestException;

import dev.spool.api.QueueInfo;
import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/** The SQS endpoint through the AWS SDK for Java v2 (AWS JSON 1.0 protocol), against a real server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqsJsonProtocolTest {
    static SpoolServer server;
    static SqsClient sqs;

    @BeforeAll
    static void start() throws Exception {
        serve(ServerConfig.ephemeralMemory());
    }

    static void serve(ServerConfig config) throws Exception {
        server = SpoolServer.start(config).toCompletableFuture().get(60, TimeUnit.SECONDS);
        sqs = client(server, "AKIDEXAMPLE", "secret");
    }

    @AfterAll
    static void stop() {
        sqs.close();
        server.close();
    }

    static SqsClient client(SpoolServer s, String key, String secret) {
        return SqsClient.builder().endpointOverride(URI.create(s.url())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(key, secret)))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    private static String create(String name, Map<QueueAttributeName, String> attrs) {
        return sqs.createQueue(b -> b.queueName(name).attributes(attrs)).queueUrl();
    }

    @Test
    void shouldCreateFindListAndDeleteQueues() {
        String url = create("life-a", Map.of());
        create("life-b", Map.of());
        create("other-c", Map.of());
        assertThat(url).isEqualTo(server.url() + "/000000000000/life-a");
        assertThat(sqs.getQueueUrl(b -> b.queueName("life-a")).queueUrl()).isEqualTo(url);
        assertThat(create("life-a", Map.of())).as("same attributes again").isEqualTo(url);
        assertThat(sqs.listQueues(b -> b.queueNamePrefix("life-")).queueUrls()).containsExactly(url,
                server.url() + "/000000000000/life-b");

        var page1 = sqs.listQueues(b -> b.queueNamePrefix("life-").maxResults(1));
        assertThat(page1.queueUrls()).containsExactly(url);
        var page2 = sqs.listQueues(b -> b.queueNamePrefix("life-").maxResults(1).nextToken(page1.nextToken()));
        assertThat(page2.queueUrls()).containsExactly(server.url() + "/000000000000/life-b");
        assertThat(page2.nextToken()).isNull();

        sqs.deleteQueue(b -> b.queueUrl(url));
        assertThatThrownBy(() -> sqs.getQueueUrl(b -> b.queueName("life-a")))
                .isInstanceOf(QueueDoesNotExistException.class)
                .satisfies(e -> assertThat(((SqsException) e).awsErrorDetails().errorCode())
                        .isEqualTo("AWS.SimpleQueueService.NonExistentQueue"))
                .satisfies(e -> assertThat(((SqsException) e).statusCode()).isEqualTo(400));
    }

    @Test
    void shouldRefuseCreateWhenAttributesDiffer() {
        create("differ", Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "10"));
        assertThatThrownBy(() -> create("differ", Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "20")))
                .isInstanceOf(QueueNameExistsException.class);
    }

    @Test
    void shouldSendAndReceiveWithAttributesWhoseChecksumsTheSdkVerifies() {
        String url = create("attrs", Map.of());
        Map<String, MessageAttributeValue> attrs = Map.of(
                "kind", MessageAttributeValue.builder().dataType("String").stringValue("order\twith tab").build(),
                "amount", MessageAttributeValue.builder().dataType("Number.euro").stringValue("12.50").build(),
                "blob", MessageAttributeValue.builder().dataType("Binary")
                        .binaryValue(SdkBytes.fromByteArray(new byte[] {0, 1, 2, (byte) 255})).build(),
                "x.other", MessageAttributeValue.builder().dataType("String").stringValue("ü€😀").build());
        SendMessageResponse sent = sqs.sendMessage(b -> b.queueUrl(url).messageBody("héllo wörld 😀")
                .messageAttributes(attrs).messageSystemAttributes(Map.of(
                        MessageSystemAttributeNameForSends.AWS_TRACE_HEADER, MessageSystemAttributeValue.builder()
                                .dataType("String").stringValue("Root=1-5759e988-bd862e3fe1be46a994272793").build())));
        assertThat(sent.md5OfMessageSystemAttributes()).isNotEmpty();

        ReceiveMessageResponse r = sqs.receiveMessage(b -> b.queueUrl(url).messageAttributeNames("All")
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL));
        Message m = r.messages().get(0);
        assertThat(m.messageId()).isEqualTo(sent.messageId());
        assertThat(m.body()).isEqualTo("héllo wörld 😀");
        assertThat(m.messageAttributes()).isEqualTo(attrs);
        assertThat(m.attributes()).containsEntry(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1")
                .containsEntry(MessageSystemAttributeName.AWS_TRACE_HEADER, "Root=1-5759e988-bd862e3fe1be46a994272793")
                .containsKey(MessageSystemAttributeName.SENT_TIMESTAMP)
                .containsEntry(MessageSystemAttributeName.SENDER_ID, "AKIDEXAMPLE");
        sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(m.receiptHandle()));

        sqs.sendMessage(b -> b.queueUrl(url).messageBody("two").messageAttributes(attrs));
        Message prefixed = sqs.receiveMessage(b -> b.queueUrl(url).messageAttributeNames("x.*", "kind"))
                .messages().get(0);
        assertThat(prefixed.messageAttributes()).containsOnlyKeys("x.other", "kind");
    }

    @Test
    void shouldShowSqsQueuesAsOrdinarySpoolQueues() throws Exception {
        String url = create("plain", Map.of());
        sqs.sendMessageBatch(b -> b.queueUrl(url).entries(e -> e.id("a").messageBody("1"),
                e -> e.id("b").messageBody("2")));
        QueueInfo info = server.broker().getQueue("plain").toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(info.stats().ready()).isEqualTo(2);
        assertThat(sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes())
                .containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "2");
        var http = java.net.http.HttpClient.newHttpClient();
        String metrics = http.send(java.net.http.HttpRequest.newBuilder(URI.create(server.url() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).containsPattern("spool_messages_pushed_total\\{queue=\"plain\",?\\} 2\\.0");
    }

    @Test
    void shouldReportPerEntryFailuresWhenSomeBatchEntriesAreBad() {
        String url = create("batch", Map.of());
        SendMessageBatchResponse sent = sqs.sendMessageBatch(b -> b.queueUrl(url).entries(
                e -> e.id("ok1").messageBody("one"),
                e -> e.id("bad").messageBody("x").messageAttributes(Map.of("AWS.no",
                        MessageAttributeValue.builder().dataType("String").stringValue("v").build())),
                e -> e.id("ok2").messageBody("two").delaySeconds(0)));
        assertThat(sent.successful()).extracting(e -> e.id()).containsExactly("ok1", "ok2");
        assertThat(sent.failed()).extracting(BatchResultErrorEntry::id, BatchResultErrorEntry::code,
                BatchResultErrorEntry::senderFault).containsExactly(org.assertj.core.groups.Tuple.tuple("bad",
                        "InvalidParameterValue", true));

        List<Message> got = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10)).messages();
        assertThat(got).hasSize(2);
        ChangeMessageVisibilityBatchResponse ch = sqs.changeMessageVisibilityBatch(b -> b.queueUrl(url).entries(
                e -> e.id("c1").receiptHandle(got.get(0).receiptHandle()).visibilityTimeout(60),
                e -> e.id("c2").receiptHandle("garbage").visibilityTimeout(60)));
        assertThat(ch.successful()).extracting(e -> e.id()).containsExactly("c1");
        assertThat(ch.failed()).extracting(BatchResultErrorEntry::id).containsExactly("c2");
        DeleteMessageBatchResponse del = sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(
                e -> e.id("d1").receiptHandle(got.get(0).receiptHandle()),
                e -> e.id("d2").receiptHandle(got.get(1).receiptHandle()),
                e -> e.id("d3").receiptHandle("nope")));
        assertThat(del.successful()).extracting(e -> e.id()).containsExactly("d1", "d2");
        assertThat(del.failed()).extracting(BatchResultErrorEntry::id, BatchResultErrorEntry::code)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("d3", "ReceiptHandleIsInvalid"));

        assertThatThrownBy(() -> sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(List.of())))
                .isInstanceOf(EmptyBatchRequestException.class);
        List<software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry> eleven = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            int n = i;
            eleven.add(software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry.builder()
                    .id("e" + n).messageBody("m").build());
        }
        assertThatThrownBy(() -> sqs.sendMessageBatch(b -> b.queueUrl(url).entries(eleven)))
                .isInstanceOf(TooManyEntriesInBatchRequestException.class);
    }

    @Test
    void shouldWakeLongPollWhenMessageIsSent() throws Exception {
        String url = create("longpoll", Map.of());
        long start = System.nanoTime();
        CompletableFuture<ReceiveMessageResponse> waiting = CompletableFuture.supplyAsync(() ->
                sqs.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(20)));
        // the receive keeps waiting while nothing is sent; the send then wakes it
        org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(500))
                .atMost(java.time.Duration.ofSeconds(5)).until(() -> !waiting.isDone());
        sqs.sendMessage(b -> b.queueUrl(url).messageBody("wake"));
        ReceiveMessageResponse r = waiting.get(15, TimeUnit.SECONDS);
        assertThat(r.messages()).extracting(Message::body).containsExactly("wake");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(10_000);
    }

    @Test
    void shouldRedeliverWhenVisibilityIsChangedToZero() {
        String url = create("vis", Map.of());
        sqs.sendMessage(b -> b.queueUrl(url).messageBody("again"));
        long before = System.currentTimeMillis();
        Message first = sqs.receiveMessage(b -> b.queueUrl(url).visibilityTimeout(60)
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_FIRST_RECEIVE_TIMESTAMP))
                .messages().get(0);
        String firstAt = first.attributes().get(MessageSystemAttributeName.APPROXIMATE_FIRST_RECEIVE_TIMESTAMP);
        assertThat(Long.parseLong(firstAt)).isBetween(before - 1_000, System.currentTimeMillis() + 1_000);
        assertThat(sqs.receiveMessage(b -> b.queueUrl(url)).messages()).isEmpty();
        sqs.changeMessageVisibility(b -> b.queueUrl(url).receiptHandle(first.receiptHandle()).visibilityTimeout(0));
        Message second = sqs.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(5)
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                        MessageSystemAttributeName.APPROXIMATE_FIRST_RECEIVE_TIMESTAMP)).messages().get(0);
        assertThat(second.messageId()).isEqualTo(first.messageId());
        assertThat(second.attributes()).containsEntry(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "2")
                .containsEntry(MessageSystemAttributeName.APPROXIMATE_FIRST_RECEIVE_TIMESTAMP, firstAt);
        assertThatThrownBy(() -> sqs.changeMessageVisibility(b -> b.queueUrl(url)
                .receiptHandle(first.receiptHandle()).visibilityTimeout(10)))
                .isInstanceOf(SqsException.class)
                .satisfies(e -> assertThat(((SqsException) e).awsErrorDetails().errorCode())
                        .isEqualTo("AWS.SimpleQueueService.MessageNotInflight"));
        assertThatThrownBy(() -> sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle("not-a-handle")))
                .isInstanceOf(ReceiptHandleIsInvalidException.class);
        // a stale handle deletes nothing and is not an error, as in SQS
        sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(first.receiptHandle()));
        sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(second.receiptHandle()));
        assertThat(sqs.receiveMessage(b -> b.queueUrl(url)).messages()).isEmpty();
    }

    @Test
    void shouldDeliverFifoInOrderPerGroupAndDropDuplicates() {
        String url = create("orders.fifo", Map.of(QueueAttributeName.FIFO_QUEUE, "true",
                QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "true"));
        SendMessageResponse a1 = sqs.sendMessage(b -> b.queueUrl(url).messageBody("a1").messageGroupId("a"));
        sqs.sendMessage(b -> b.queueUrl(url).messageBody("a2").messageGroupId("a"));
        sqs.sendMessage(b -> b.queueUrl(url).messageBody("b1").messageGroupId("b").messageDeduplicationId("d-b1"));
        SendMessageResponse dup = sqs.sendMessage(b -> b.queueUrl(url).messageBody("a1").messageGroupId("a"));
        assertThat(dup.messageId()).as("content-based duplicate").isEqualTo(a1.messageId());
        assertThat(a1.sequenceNumber()).isNotEmpty();

        List<Message> first = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10)
                .messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID,
                        MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID)).messages();
        assertThat(first).extracting(Message::body).containsExactly("a1", "b1");
        assertThat(first.get(1).attributes()).containsEntry(MessageSystemAttributeName.MESSAGE_GROUP_ID, "b")
                .containsEntry(MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID, "d-b1");
        assertThat(sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10)).messages())
                .as("a2 waits until a1 is deleted").isEmpty();
        sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(first.get(0).receiptHandle()));
        assertThat(sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10)).messages())
                .extracting(Message::body).containsExactly("a2");

        assertThatThrownBy(() -> sqs.sendMessage(b -> b.queueUrl(url).messageBody("no group")))
                .isInstanceOf(SqsException.class)
                .satisfies(e -> assertThat(((SqsException) e).awsErrorDetails().errorCode())
                        .isEqualTo("MissingParameter"));
        String plain = create("nodedup.fifo", Map.of(QueueAttributeName.FIFO_QUEUE, "true"));
        assertThatThrownBy(() -> sqs.sendMessage(b -> b.queueUrl(plain).messageBody("x").messageGroupId("g")))
                .isInstanceOf(SqsException.class)
                .satisfies(e -> assertThat(((SqsException) e).awsErrorDetails().errorCode())
                        .isEqualTo("InvalidParameterValue"));
    }

    @Test
    void shouldMoveToDeadLetterQueueAndBack() {
        String dlq = create("work-dlq", Map.of());
        String dlqArn = sqs.getQueueAttributes(b -> b.queueUrl(dlq).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        assertThat(dlqArn).isEqualTo("arn:aws:sqs:us-east-1:000000000000:work-dlq");
        String policy = "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":1}";
        String url = create("work", Map.of(QueueAttributeName.REDRIVE_POLICY, policy));
        assertThat(sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.REDRIVE_POLICY))
                .attributes().get(QueueAttributeName.REDRIVE_POLICY)).isEqualTo(policy);
        assertThat(sqs.listDeadLetterSourceQueues(b -> b.queueUrl(dlq)).queueUrls()).containsExactly(url);

        sqs.sendMessage(b -> b.queueUrl(url).messageBody("poison"));
        assertThat(sqs.receiveMessage(b -> b.queueUrl(url).visibilityTimeout(1)).messages()).hasSize(1);
        // as in SQS, a backend may move the message when the source is received from again
        // (PostgreSQL does; the embedded engine moves it as soon as the lease ends)
        List<Message> inDlq = new ArrayList<>();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> {
            assertThat(sqs.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(1)).messages()).isEmpty();
            inDlq.addAll(sqs.receiveMessage(b -> b.queueUrl(dlq).waitTimeSeconds(1)
                    .messageSystemAttributeNamesWithStrings("DeadLetterQueueSourceArn")).messages());
            return !inDlq.isEmpty();
        });
        Message dead = inDlq.get(0);
        assertThat(dead.body()).isEqualTo("poison");
        assertThat(dead.attributesAsStrings()).containsEntry("DeadLetterQueueSourceArn",
                "arn:aws:sqs:us-east-1:000000000000:work");
        sqs.changeMessageVisibility(b -> b.queueUrl(dlq).receiptHandle(dead.receiptHandle()).visibilityTimeout(0));

        String handle = sqs.startMessageMoveTask(b -> b.sourceArn(dlqArn)).taskHandle();
        assertThat(handle).isNotEmpty();
        List<ListMessageMoveTasksResultEntry> tasks = sqs.listMessageMoveTasks(b -> b.sourceArn(dlqArn)).results();
        assertThat(tasks).extracting(ListMessageMoveTasksResultEntry::status,
                ListMessageMoveTasksResultEntry::approximateNumberOfMessagesMoved)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("COMPLETED", 1L));
        assertThat(sqs.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(5)).messages())
                .extracting(Message::body).containsExactly("poison");
        assertThatThrownBy(() -> sqs.cancelMessageMoveTask(b -> b.taskHandle(handle)))
                .isInstanceOf(SqsException.class);
    }

    @Test
    void shouldRefuseRedrivePolicyWhenDeadLetterQueueDeniesIt() {
        create("denying-dlq", Map.of(QueueAttributeName.REDRIVE_ALLOW_POLICY, "{\"redrivePermission\":\"denyAll\"}"));
        String policy = "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:denying-dlq\","
                + "\"maxReceiveCount\":3}";
        assertThatThrownBy(() -> create("denied", Map.of(QueueAttributeName.REDRIVE_POLICY, policy)))
                .isInstanceOf(SqsException.class)
                .satisfies(e -> assertThat(((SqsException) e).awsErrorDetails().errorCode())
                        .isEqualTo("InvalidParameterValue"));
        String missing = "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:no-such-dlq\","
                + "\"maxReceiveCount\":3}";
        assertThatThrownBy(() -> create("denied", Map.of(QueueAttributeName.REDRIVE_POLICY, missing)))
                .isInstanceOf(SqsException.class);
        assertThatThrownBy(() -> sqs.getQueueUrl(b -> b.queueName("denied")))
                .as("a refused create creates nothing").isInstanceOf(QueueDoesNotExistException.class);
    }

    @Test
    void shouldMoveDeadLettersToAnotherQueueWhenDestinationIsGiven() {
        String src = create("park", Map.of());
        String dest = create("park-dest", Map.of());
        sqs.sendMessage(b -> b.queueUrl(src).messageBody("m1").messageAttributes(Map.of("k",
                MessageAttributeValue.builder().dataType("String").stringValue("v").build())));
        sqs.sendMessage(b -> b.queueUrl(src).messageBody("m2"));
        sqs.startMessageMoveTask(b -> b.sourceArn("arn:aws:sqs:us-east-1:000000000000:park")
                .destinationArn("arn:aws:sqs:us-east-1:000000000000:park-dest"));
        List<Message> moved = sqs.receiveMessage(b -> b.queueUrl(dest).maxNumberOfMessages(10)
                .messageAttributeNames("All")).messages();
        assertThat(moved).extracting(Message::body).containsExactlyInAnyOrder("m1", "m2");
        assertThat(sqs.receiveMessage(b -> b.queueUrl(src)).messages()).isEmpty();
    }

    @Test
    void shouldGetAndSetQueueAttributes() {
        String url = create("cfg", Map.of(QueueAttributeName.DELAY_SECONDS, "0",
                QueueAttributeName.RECEIVE_MESSAGE_WAIT_TIME_SECONDS, "1"));
        sqs.setQueueAttributes(b -> b.queueUrl(url).attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "45",
                QueueAttributeName.MESSAGE_RETENTION_PERIOD, "3600", QueueAttributeName.MAXIMUM_MESSAGE_SIZE, "2048",
                QueueAttributeName.DELAY_SECONDS, "1")));
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(b -> b.queueUrl(url)
                .attributeNames(QueueAttributeName.ALL)).attributes();
        assertThat(a).containsEntry(QueueAttributeName.VISIBILITY_TIMEOUT, "45")
                .containsEntry(QueueAttributeName.MESSAGE_RETENTION_PERIOD, "3600")
                .containsEntry(QueueAttributeName.MAXIMUM_MESSAGE_SIZE, "2048")
                .containsEntry(QueueAttributeName.DELAY_SECONDS, "1")
                .containsEntry(QueueAttributeName.RECEIVE_MESSAGE_WAIT_TIME_SECONDS, "1")
                .containsKeys(QueueAttributeName.CREATED_TIMESTAMP, QueueAttributeName.LAST_MODIFIED_TIMESTAMP,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)
                .doesNotContainKey(QueueAttributeName.FIFO_QUEUE);

        sqs.sendMessage(b -> b.queueUrl(url).messageBody("delayed by the queue"));
        assertThat(sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes())
                .containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED, "1");
        assertThat(sqs.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(5)).messages()).hasSize(1);
        assertThatThrownBy(() -> sqs.sendMessage(b -> b.queueUrl(url).messageBody("x".repeat(2049))))
                .isInstanceOf(SqsException.class);
        assertThatThrownBy(() -> sqs.setQueueAttributes(b -> b.queueUrl(url).attributesWithStrings(
                Map.of("Nonsense", "1")))).isInstanceOf(InvalidAttributeNameException.class);
        sqs.purgeQueue(b -> b.queueUrl(url));
    }

    @Test
    void shouldTagAndUntagQueues() {
        String url = sqs.createQueue(b -> b.queueName("tagged").tags(Map.of("team", "core"))).queueUrl();
        sqs.tagQueue(b -> b.queueUrl(url).tags(Map.of("env", "test", "cost", "1")));
        sqs.untagQueue(b -> b.queueUrl(url).tagKeys("cost"));
        assertThat(sqs.listQueueTags(b -> b.queueUrl(url)).tags()).isEqualTo(Map.of("team", "core", "env", "test"));
    }

    @Test
    void shouldAnswerNonExistentQueueWhenUrlNamesNoQueue() {
        assertThatThrownBy(() -> sqs.sendMessage(b -> b.queueUrl(server.url() + "/000000000000/missing")
                .messageBody("x"))).isInstanceOf(QueueDoesNotExistException.class);
        assertThatThrownBy(() -> sqs.receiveMessage(b -> b.queueUrl(server.url() + "/000000000000/missing")))
                .isInstanceOf(QueueDoesNotExistException.class);
    }
}
