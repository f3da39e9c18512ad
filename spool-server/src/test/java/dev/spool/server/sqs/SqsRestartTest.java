package dev.spool.server.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * SQS-only attributes and tags live beside the journal and survive a restart; a queue made anew
 * does not inherit them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqsRestartTest {

    private static SpoolServer start(Path dir) throws Exception {
        ServerConfig d = ServerConfig.defaults();
        return SpoolServer.start(d.withListener(d.listener().withPort(0))
                .withStorage(d.storage().withDataDir(dir))).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void shouldRefuseToStartWhenRecordFileIsDamaged(@TempDir Path dir) throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("sqs"));
        java.nio.file.Files.writeString(dir.resolve("sqs").resolve(MetaStore.FILE), "{\"queues\": {\"a\": ");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(dir))
                .hasStackTraceContaining(MetaStore.FILE);
    }

    @Test
    void shouldKeepSqsAttributesAndTagsWhenServerRestarts(@TempDir Path dir) throws Exception {
        Map<QueueAttributeName, String> attrs = Map.of(QueueAttributeName.FIFO_QUEUE, "true",
                QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "true", QueueAttributeName.DELAY_SECONDS, "3",
                QueueAttributeName.RECEIVE_MESSAGE_WAIT_TIME_SECONDS, "2", QueueAttributeName.VISIBILITY_TIMEOUT, "50");
        try (SpoolServer s = start(dir); SqsClient c = SqsJsonProtocolTest.client(s, "k", "s")) {
            String url = c.createQueue(b -> b.queueName("kept.fifo").attributes(attrs).tags(Map.of("team", "x")))
                    .queueUrl();
            c.sendMessage(b -> b.queueUrl(url).messageBody("survives").messageGroupId("g"));
            c.createQueue(b -> b.queueName("recreated").attributes(Map.of(QueueAttributeName.DELAY_SECONDS, "7")));
            s.broker().deleteQueue("recreated").toCompletableFuture().get(5, TimeUnit.SECONDS);
            s.broker().putQueue("recreated", dev.spool.api.QueueConfig.DEFAULTS).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
        }
        try (SpoolServer s = start(dir); SqsClient c = SqsJsonProtocolTest.client(s, "k", "s")) {
            String url = c.getQueueUrl(b -> b.queueName("kept.fifo")).queueUrl();
            assertThat(c.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.ALL)).attributes())
                    .containsAllEntriesOf(attrs);
            assertThat(c.listQueueTags(b -> b.queueUrl(url)).tags()).isEqualTo(Map.of("team", "x"));
            assertThat(c.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(10)).messages())
                    .extracting(m -> m.body()).containsExactly("survives");
            String other = c.getQueueUrl(b -> b.queueName("recreated")).queueUrl();
            assertThat(c.getQueueAttributes(b -> b.queueUrl(other).attributeNames(QueueAttributeName.DELAY_SECONDS))
                    .attributes()).containsEntry(QueueAttributeName.DELAY_SECONDS, "0");
        }
    }
}
