package dev.spool.server.sqs;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The SQS query protocol: form-encoded parameters ({@code Action=SendMessage&MessageBody=...},
 * lists and maps flattened as {@code Attribute.1.Name}) in, XML out. Parameters are turned into
 * the JSON protocol's shape, so both protocols run the same actions; replies go the other way.
 * A request posted to a queue URL ({@code /<account>/<queue>}) names its queue by the path, as the
 * older SDKs do.
 */
final class QueryProtocol {
    static final String NS = "http://queue.amazonaws.com/doc/2012-11-05/";
    private static final Map<String, String> SCALAR_LISTS = Map.of("AttributeName", "AttributeNames",
            "MessageAttributeName", "MessageAttributeNames", "MessageSystemAttributeName",
            "MessageSystemAttributeNames", "TagKey", "TagKeys");
    private static final Set<String> ENTRY_LISTS = Set.of("SendMessageBatchRequestEntry",
            "DeleteMessageBatchRequestEntry", "ChangeMessageVisibilityBatchRequestEntry");
    private static final Set<String> VOID = Set.of("DeleteQueue", "PurgeQueue", "SetQueueAttributes",
            "DeleteMessage", "ChangeMessageVisibility", "TagQueue", "UntagQueue");

    /**
     * A query request.
     *
     * @param action the action
     * @param params its parameters in the JSON protocol's shape
     */
    record Parsed(String action, Params params) {
    }

    private QueryProtocol() {
    }

    static Parsed parse(HttpServerRequest req, Buffer body, String baseUrl) {
        Map<String, String> flat = new LinkedHashMap<>();
        decodeInto(flat, req.query());
        decodeInto(flat, body.toString(StandardCharsets.UTF_8));
        String action = flat.remove("Action");
        if (action == null) {
            throw SqsError.missingParameter("Action");
        }
        flat.remove("Version");
        String path = req.path();
        if (path != null && path.length() > 1 && !flat.containsKey("QueueUrl")) {
            flat.put("QueueUrl", baseUrl + path);
        }
        return new Parsed(action, new Params(convert(flat, action)));
    }

    private static void decodeInto(Map<String, String> out, String form) {
        if (form == null || form.isEmpty()) {
            return;
        }
        for (String kv : form.split("&")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                out.put(k, v);
            } catch (IllegalArgumentException e) {
                throw SqsError.malformed("The query string is malformed.");
            }
        }
    }

    /** Flattened names to the JSON shape: {@code Attribute.1.Name=a&Attribute.1.Value=b} to {@code Attributes{a:b}}. */
    static ObjectNode convert(Map<String, String> flat, String action) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        // prefix -> index -> the rest of the name -> value
        Map<String, TreeMap<Integer, Map<String, String>>> groups = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : flat.entrySet()) {
            String[] parts = e.getKey().split("\\.", 3);
            if (parts.length == 1) {
                out.put(e.getKey(), e.getValue());
                continue;
            }
            int index;
            try {
                index = Integer.parseInt(parts[1]);
            } catch (NumberFormatException ex) {
                throw SqsError.invalidParameter("Parameter " + e.getKey() + " is not valid.");
            }
            groups.computeIfAbsent(parts[0], k -> new TreeMap<>()).computeIfAbsent(index, k -> new LinkedHashMap<>())
                    .put(parts.length == 3 ? parts[2] : "", e.getValue());
        }
        for (Map.Entry<String, TreeMap<Integer, Map<String, String>>> g : groups.entrySet()) {
            String prefix = g.getKey();
            if (SCALAR_LISTS.containsKey(prefix)) {
                ArrayNode a = out.putArray(SCALAR_LISTS.get(prefix));
                g.getValue().values().forEach(m -> a.add(m.get("")));
            } else if (ENTRY_LISTS.contains(prefix)) {
                ArrayNode a = out.putArray("Entries");
                g.getValue().values().forEach(m -> a.add(convert(m, action)));
            } else if (prefix.equals("Attribute")) {
                ObjectNode o = out.putObject("Attributes");
                g.getValue().values().forEach(m -> o.put(required(m, "Name"), m.getOrDefault("Value", "")));
            } else if (prefix.equals("Tag")) {
                ObjectNode o = out.putObject(action.equals("CreateQueue") ? "tags" : "Tags");
                g.getValue().values().forEach(m -> o.put(required(m, "Key"), m.getOrDefault("Value", "")));
            } else if (prefix.equals("MessageAttribute") || prefix.equals("MessageSystemAttribute")) {
                ObjectNode o = out.putObject(prefix + "s");
                for (Map<String, String> m : g.getValue().values()) {
                    ObjectNode v = o.putObject(required(m, "Name"));
                    m.forEach((k, x) -> {
                        if (k.startsWith("Value.")) {
                            v.put(k.substring("Value.".length()), x);
                        }
                    });
                }
            } else {
                throw SqsError.invalidParameter("Parameter " + prefix + " is not valid for " + action + ".");
            }
        }
        return out;
    }

    private static String required(Map<String, String> m, String field) {
        String v = m.get(field);
        if (v == null) {
            throw SqsError.missingParameter(field);
        }
        return v;
    }

    static void reply(HttpServerResponse resp, String action, ObjectNode out, String requestId) {
        StringBuilder b = new StringBuilder(256);
        b.append("<?xml version=\"1.0\"?><").append(action).append("Response xmlns=\"").append(NS).append("\">");
        if (!VOID.contains(action)) {
            b.append('<').append(action).append("Result>");
            members(b, out, action);
            b.append("</").append(action).append("Result>");
        }
        b.append("<ResponseMetadata><RequestId>").append(requestId).append("</RequestId></ResponseMetadata></")
                .append(action).append("Response>");
        resp.setStatusCode(200).putHeader("Content-Type", "text/xml").putHeader("x-amzn-RequestId", requestId)
                .end(b.toString());
    }

    static void error(HttpServerResponse resp, SqsError e, String requestId) {
        StringBuilder b = new StringBuilder(256);
        b.append("<?xml version=\"1.0\"?><ErrorResponse xmlns=\"").append(NS).append("\"><Error><Type>")
                .append(e.sender ? "Sender" : "Receiver").append("</Type><Code>").append(e.queryCode)
                .append("</Code><Message>");
        text(b, e.getMessage());
        b.append("</Message><Detail/></Error><RequestId>").append(requestId).append("</RequestId></ErrorResponse>");
        resp.setStatusCode(e.status).putHeader("Content-Type", "text/xml").putHeader("x-amzn-RequestId", requestId)
                .end(b.toString());
    }

    private static void members(StringBuilder b, JsonNode o, String action) {
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            switch (name) {
                case "QueueUrls", "queueUrls" -> v.forEach(u -> element(b, "QueueUrl", u.asText()));
                case "Attributes" -> v.fields().forEachRemaining(a -> {
                    b.append("<Attribute>");
                    element(b, "Name", a.getKey());
                    element(b, "Value", a.getValue().asText());
                    b.append("</Attribute>");
                });
                case "Tags" -> v.fields().forEachRemaining(a -> {
                    b.append("<Tag>");
                    element(b, "Key", a.getKey());
                    element(b, "Value", a.getValue().asText());
                    b.append("</Tag>");
                });
                case "MessageAttributes" -> v.fields().forEachRemaining(a -> {
                    b.append("<MessageAttribute>");
                    element(b, "Name", a.getKey());
                    b.append("<Value>");
                    members(b, a.getValue(), action);
                    b.append("</Value></MessageAttribute>");
                });
                case "Messages" -> list(b, Received.tree(v), "Message", action);
                case "Successful" -> list(b, v, action + "ResultEntry", action);
                case "Failed" -> list(b, v, "BatchResultErrorEntry", action);
                case "Results" -> list(b, v, action + "ResultEntry", action);
                default -> element(b, name, v.asText());
            }
        }
    }

    private static void list(StringBuilder b, JsonNode items, String element, String action) {
        for (JsonNode item : items) {
            b.append('<').append(element).append('>');
            members(b, item, action);
            b.append("</").append(element).append('>');
        }
    }

    private static void element(StringBuilder b, String name, String value) {
        b.append('<').append(name).append('>');
        text(b, value);
        b.append("</").append(name).append('>');
    }

    private static void text(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\r' -> b.append("&#xD;");
                default -> b.append(c);
            }
        }
    }
}
