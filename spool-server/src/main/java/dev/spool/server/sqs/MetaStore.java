package dev.spool.server.sqs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spool.api.SpoolException;

/**
 * The SQS-only attributes and tags of every queue ({@link QueueMeta}): in memory, and with a
 * directory also in the file {@value #FILE} there, rewritten whole on each change.
 *
 * <p>Isolation of an external relationship, namely the file system. The file is written to a
 * temporary file, forced, and moved over the old one, so a crash leaves either the old or the new
 * version. Writes are serialised by this object's lock; they are rare (queue creation and
 * attribute changes), so rewriting the whole file is cheaper than a log would be to maintain.
 * With memory storage there is no directory and the records live as long as the process.
 *
 * <p>Layout (UTF-8 JSON): {@code {"version": 1, "queues": {"<queue>": {"created_at": <epoch ms of
 * the Spool queue>, "delay_seconds": n, "receive_wait_seconds": n, "content_based_dedup": bool,
 * "redrive_allow_policy": "<JSON text or empty>", "last_modified": <epoch s>, "tags": {"k": "v"}}}}}.
 * A file that cannot be read stops the server from starting, naming the file: attributes are never
 * dropped silently.
 */
final class MetaStore {
    static final String FILE = "sqs-queues.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Optional<Path> dir;
    private final Map<String, QueueMeta> queues = new ConcurrentHashMap<>();

    private MetaStore(Optional<Path> dir) {
        this.dir = dir;
    }

    /** Opens the store, reading the file if there is one. Blocking. */
    static MetaStore open(Optional<Path> dir) {
        MetaStore s = new MetaStore(dir);
        if (dir.isPresent()) {
            Path f = dir.get().resolve(FILE);
            try {
                Files.createDirectories(dir.get());
                if (Files.exists(f)) {
                    s.load(JSON.readTree(f.toFile()));
                }
            } catch (IOException | RuntimeException e) {
                throw SpoolException.unavailable("cannot read SQS queue attributes from " + f, e);
            }
        }
        return s;
    }

    /** The record of a queue, if one belongs to this incarnation ({@code createdAt}) of it. */
    Optional<QueueMeta> get(String queue, long createdAt) {
        QueueMeta m = queues.get(queue);
        return m != null && m.createdAt() == createdAt ? Optional.of(m) : Optional.empty();
    }

    /** Stores a record and makes it durable. Blocking. */
    synchronized void put(String queue, QueueMeta meta) {
        Map<String, QueueMeta> next = new TreeMap<>(queues);
        next.put(queue, meta);
        write(next);
        queues.put(queue, meta);
    }

    /** Forgets a queue. Blocking. */
    synchronized void remove(String queue) {
        if (queues.containsKey(queue)) {
            Map<String, QueueMeta> next = new TreeMap<>(queues);
            next.remove(queue);
            write(next);
            queues.remove(queue);
        }
    }

    private void load(JsonNode root) {
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("queues").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode q = e.getValue();
            Map<String, String> tags = new HashMap<>();
            q.path("tags").fields().forEachRemaining(t -> tags.put(t.getKey(), t.getValue().asText()));
            queues.put(e.getKey(), new QueueMeta(q.path("created_at").asLong(), q.path("delay_seconds").asInt(),
                    q.path("receive_wait_seconds").asInt(), q.path("content_based_dedup").asBoolean(),
                    q.path("redrive_allow_policy").asText(""), q.path("last_modified").asLong(), tags));
        }
    }

    /** Writes {@code all} as the new file; memory changes only after it is durable. */
    private void write(Map<String, QueueMeta> all) {
        if (dir.isEmpty()) {
            return;
        }
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("version", 1);
        ObjectNode out = root.putObject("queues");
        for (Map.Entry<String, QueueMeta> e : all.entrySet()) {
            QueueMeta m = e.getValue();
            ObjectNode q = out.putObject(e.getKey());
            q.put("created_at", m.createdAt());
            q.put("delay_seconds", m.delaySeconds());
            q.put("receive_wait_seconds", m.receiveWaitSeconds());
            q.put("content_based_dedup", m.contentBasedDedup());
            q.put("redrive_allow_policy", m.redriveAllowPolicy());
            q.put("last_modified", m.lastModified());
            ObjectNode tags = q.putObject("tags");
            m.sortedTags().forEach(tags::put);
        }
        Path target = dir.get().resolve(FILE);
        Path tmp = dir.get().resolve(FILE + ".tmp");
        try {
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel d = FileChannel.open(dir.get(), StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            throw SpoolException.unavailable("cannot write SQS queue attributes to " + target, e);
        }
    }
}
