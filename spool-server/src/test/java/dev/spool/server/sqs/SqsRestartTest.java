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
 * SQS-only attributes and tags live in the queue's attributes and survive a restart; a queue made
 * anew does not inherit them; the file an earlier build kept them in is imported once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqsRestartTest {

    private static SpoolServer start(Path dir) throws Exception {
        ServerConfig d = ServerConfig.defaults();
        return SpoolServer.start(d.withListener(d.listener().withPort(0))
                .withStorage(d.storage().withDataDir(dir))).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void shouldRefuseToStartWhenAnEarlierBuildsRecordFileIsDamaged(@TempDir Path dir) throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("sqs"));
        java.nio.file.Files.writeString(dir.resolve("sqs").resolve(LegacyMetaFile.FILE), "{\"queues\": {\"a\": ");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(dir))
                .hasStackTraceContaining(LegacyMetaFile.FILE);
    }

    @Test
    void shouldMoveAnEarlierBuildsRecordFileIntoQueueAttributes(@TempDir Path dir) throws Exception {
        long created;
        try (SpoolServer s = start(dir)) {
            created = s.broker().putQueue("old", dev.spool.api.QueueConfig.DEFAULTS).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS).createdAt();
            s.broker().putQueue("gone", dev.spool.api.QueueConfig.DEFAULTS).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
        }
        Path file = dir.resolve("sqs").resolve(LegacyMetaFile.FILE);
        java.nio.file.Files.createDirectories(file.getParent());
        java.nio.file.Files.writeString(file, "{\"version\": 1, \"queues\": {\"old\": {\"created_at\": " + created
                + ", \"delay_seconds\": 4, \"receive_wait_seconds\": 1, \"content_based_dedup\": false,"
                + " \"redrive_allow_policy\": \"\", \"last_modified\": 1, \"tags\": {\"team\": \"y\"}},"
                + " \"gone\": {\"created_at\": 1, \"delay_seconds\": 9, \"last_modified\": 1, \"tags\": {}}}}");
        try (SpoolServer s = start(dir); SqsClient c = SqsJsonProtocolTest.client(s, "k", "s")) {
            String url = c.getQueueUrl(b -> b.queueName("old")).queueUrl();
            assertThat(c.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.DELAY_SECONDS))
                    .attributes()).containsEntry(QueueAttributeName.DELAY_SECONDS, "4");
            assertThat(c.listQueueTags(b -> b.queueUrl(url)).tags()).isEqualTo(Map.of("team", "y"));
            String gone = c.getQueueUrl(b -> b.queueName("gone")).queueUrl();
            assertThat(c.getQueueAttributes(b -> b.queueUrl(gone).attributeNames(QueueAttributeName.DELAY_SECONDS))
                    .attributes()).as("another incarnation's record").containsEntry(QueueAttributeName.DELAY_SECONDS, "0");
        }
        assertThat(file).doesNotExist();
        assertThat(file.resolveSibling(LegacyMetaFile.FILE + ".imported")).exists();
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
