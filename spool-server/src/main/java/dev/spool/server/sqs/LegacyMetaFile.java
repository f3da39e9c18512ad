package dev.spool.server.sqs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.Broker;
import dev.spool.api.QueueInfo;
import dev.spool.api.SpoolException;

/**
 * The file {@value #FILE} in which builds before queue attributes kept the SQS-only record of each
 * queue ({@link QueueMeta}) beside the journal: at start its records are moved into the queues'
 * attributes, once, and the file is renamed to {@code <file>.imported}.
 *
 * <p>Layout (UTF-8 JSON): {@code {"version": 1, "queues": {"<queue>": {"created_at": <epoch ms of
 * the Spool queue>, "delay_seconds": n, "receive_wait_seconds": n, "content_based_dedup": bool,
 * "redrive_allow_policy": "<JSON text or empty>", "last_modified": <epoch s>, "tags": {"k": "v"}}}}}.
 * A record whose queue no longer exists, or exists as another incarnation (another
 * {@code created_at}), is dropped, as the old build ignored it. A file that cannot be read stops
 * the server from starting, naming the file: attributes are never dropped silently.
 */
final class LegacyMetaFile {
    static final String FILE = "sqs-queues.json";
    private static final Logger LOG = LoggerFactory.getLogger(LegacyMetaFile.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private LegacyMetaFile() {
    }

    /** Moves the file's records into the queues' attributes, if there is a file. Blocking. */
    static void importInto(Optional<Path> dir, Broker broker) {
        if (dir.isEmpty()) {
            return;
        }
        Path f = dir.get().resolve(FILE);
        if (!Files.exists(f)) {
            return;
        }
        try {
            int moved = 0;
            for (Map.Entry<String, QueueMeta> e : read(JSON.readTree(f.toFile())).entrySet()) {
                if (importOne(broker, e.getKey(), e.getValue())) {
                    moved++;
                }
            }
            Files.move(f, f.resolveSibling(FILE + ".imported"), StandardCopyOption.REPLACE_EXISTING);
            LOG.info("moved the SQS records of {} queues from {} into their queue attributes", moved, f);
        } catch (IOException | RuntimeException | ExecutionException | TimeoutException e) {
            throw SpoolException.unavailable("cannot import SQS queue attributes from " + f, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SpoolException.unavailable("interrupted while importing " + f, e);
        }
    }

    private static boolean importOne(Broker broker, String queue, QueueMeta meta)
            throws InterruptedException, ExecutionException, TimeoutException {
        QueueInfo info;
        try {
            info = broker.getQueue(queue).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SpoolException s && s.code() == dev.spool.api.ErrorCode.QUEUE_NOT_FOUND) {
                return false;
            }
            throw e;
        }
        if (info.createdAt() != meta.createdAt()) {
            return false;
        }
        broker.putQueue(queue, meta.applyTo(info.config())).toCompletableFuture().get(30, TimeUnit.SECONDS);
        return true;
    }

    private static Map<String, QueueMeta> read(JsonNode root) {
        Map<String, QueueMeta> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("queues").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode q = e.getValue();
            Map<String, String> tags = new HashMap<>();
            q.path("tags").fields().forEachRemaining(t -> tags.put(t.getKey(), t.getValue().asText()));
            out.put(e.getKey(), new QueueMeta(q.path("created_at").asLong(), q.path("delay_seconds").asInt(),
                    q.path("receive_wait_seconds").asInt(), q.path("content_based_dedup").asBoolean(),
                    q.path("redrive_allow_policy").asText(""), q.path("last_modified").asLong(), tags));
        }
        return out;
    }
}
