package dev.spool.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spool.api.Delivery;
import dev.spool.api.GroupInfo;
import dev.spool.api.MessageBody;
import dev.spool.api.MessageView;
import dev.spool.api.Payload;
import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;
import dev.spool.api.QueueStats;
import dev.spool.api.RetryBackoff;

/**
 * Prints results as aligned tables for people or, with {@code --json}, as the JSON documents of the
 * HTTP API (one document per command, or one per line for {@code tail}).
 */
final class Output {
    static final ObjectMapper JSON = new ObjectMapper();
    private final PrintWriter out;
    private final boolean json;

    Output(PrintWriter out, boolean json) {
        this.out = out;
        this.json = json;
    }

    boolean json() {
        return json;
    }

    PrintWriter out() {
        return out;
    }

    void print(JsonNode doc) {
        try {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    void printLine(JsonNode doc) {
        out.println(doc.toString());
    }

    /** Prints rows under a header, each column as wide as its widest cell. */
    void table(List<String> header, List<List<String>> rows) {
        int[] w = new int[header.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (List<String> r : all) {
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        for (List<String> r : all) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < w.length; i++) {
                String cell = r.get(i);
                sb.append(cell);
                if (i < w.length - 1) {
                    sb.append(" ".repeat(w[i] - cell.length() + 2));
                }
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    // ---- JSON documents, as the API writes them ----

    static ObjectNode queue(QueueInfo q) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", q.name());
        n.put("created_at", q.createdAt());
        n.set("config", config(q.name(), q.config()));
        n.set("stats", stats(q.stats()));
        ArrayNode groups = n.putArray("groups");
        for (GroupInfo g : q.groups()) {
            groups.add(group(g));
        }
        return n;
    }

    static ObjectNode config(String queue, QueueConfig c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("visibility_timeout_ms", c.visibilityTimeoutMs());
        n.put("max_attempts", c.maxAttempts());
        n.put("dead_letter_queue", c.deadLetterQueueFor(queue));
        RetryBackoff b = c.retryBackoff();
        ObjectNode rb = n.putObject("retry_backoff");
        rb.put("initial_ms", b.initialMs());
        rb.put("max_ms", b.maxMs());
        rb.put("multiplier", b.multiplier());
        rb.put("jitter", b.jitter());
        n.put("retention_ms", c.retentionMs());
        n.put("message_ttl_ms", c.messageTtlMs());
        n.put("max_message_bytes", c.maxMessageBytes());
        n.put("dedup_window_ms", c.dedupWindowMs());
        n.put("result_ttl_ms", c.resultTtlMs());
        n.put("encrypted", c.encrypted());
        ObjectNode attributes = n.putObject("attributes");
        c.attributes().forEach(attributes::put);
        return n;
    }

    static ObjectNode stats(QueueStats s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("ready", s.ready());
        n.put("delayed", s.delayed());
        n.put("in_flight", s.inFlight());
        n.put("dead", s.dead());
        n.put("oldest_ready_age_ms", s.oldestReadyAgeMs());
        return n;
    }

    static ObjectNode group(GroupInfo g) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", g.name());
        n.put("start", g.start().wire());
        n.put("created_at", g.createdAt());
        n.set("stats", stats(g.stats()));
        return n;
    }

    static ObjectNode delivery(Delivery d) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", d.idString());
        n.put("receipt", d.receipt());
        n.put("attempts", d.attempts());
        n.put("enqueued_at", d.enqueuedAt());
        n.put("lease_expires_at", d.leaseExpiresAt());
        body(n, d.body());
        return n;
    }

    static ObjectNode view(MessageView v) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", v.idString());
        n.put("queue", v.queue());
        n.put("group", v.group());
        n.put("state", v.state().wire());
        n.put("attempts", v.attempts());
        n.put("enqueued_at", v.enqueuedAt());
        if (v.availableAt() != 0) {
            n.put("available_at", v.availableAt());
        }
        v.lastError().ifPresent(e -> n.put("last_error", e));
        v.result().ifPresent(r -> {
            payload(n, "result", r.payload(), r.contentType());
            n.put("result_content_type", r.contentType());
        });
        v.body().ifPresent(b -> body(n, b));
        return n;
    }

    private static void body(ObjectNode n, MessageBody b) {
        n.put("content_type", b.contentType());
        payload(n, "payload", b.payload(), b.contentType());
        b.key().ifPresent(k -> n.put("key", k));
        n.put("priority", b.priority());
        ObjectNode h = n.putObject("headers");
        for (Map.Entry<String, String> e : b.headers().entrySet()) {
            h.put(e.getKey(), e.getValue());
        }
        b.traceparent().ifPresent(t -> n.put("traceparent", t));
    }

    private static void payload(ObjectNode n, String name, Payload p, String contentType) {
        byte[] bytes = p.toBytes();
        if (isJson(contentType)) {
            try {
                n.set(name, JSON.readTree(bytes));
                return;
            } catch (java.io.IOException e) {
                // not JSON after all: fall through to base64
            }
        }
        String utf8 = isText(contentType) ? utf8(bytes) : null;
        if (utf8 != null) {
            // text stays readable; content_type says it is text, not a JSON string
            n.put(name, utf8);
            return;
        }
        n.put(name + "_base64", Base64.getEncoder().encodeToString(bytes));
    }

    /** The bytes as a string when they are valid UTF-8, else null. */
    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    // ---- human-readable payloads ----

    static boolean isJson(String contentType) {
        return contentType.toLowerCase(Locale.ROOT).startsWith("application/json");
    }

    static boolean isText(String contentType) {
        String ct = contentType.toLowerCase(Locale.ROOT);
        return ct.startsWith("text/") || isJson(ct) || ct.contains("+json") || ct.contains("xml");
    }

    /** The payload as text when its content type is textual, else {@code base64:...}. */
    static String text(Payload p, String contentType) {
        byte[] b = p.toBytes();
        return isText(contentType) ? new String(b, StandardCharsets.UTF_8) : "base64:" + Base64.getEncoder().encodeToString(b);
    }

    /** A payload shortened for a table cell, on one line. */
    static String cell(Payload p, String contentType) {
        String s = text(p, contentType).replace('\n', ' ').replace('\r', ' ');
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    static String age(long ms) {
        return ms < 1000 ? ms + "ms" : ms < 120_000 ? ms / 1000 + "s" : ms < 7_200_000 ? ms / 60_000 + "m"
                : ms / 3_600_000 + "h";
    }
}
