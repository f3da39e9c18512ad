package dev.spool.server.sqs;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * SQS message attributes: read from a request (checked as SQS checks them), kept on the Spool
 * message as one header {@value #HEADER} holding them as compact JSON, and selected for a receive.
 *
 * <p>One header rather than one per attribute because SQS attributes carry a data type, may be
 * binary and may hold characters Spool headers refuse (tabs, newlines); JSON keeps all of that
 * exactly, escaped into the header's allowed characters.
 */
final class MessageAttributes {
    /** The Spool header holding a message's SQS attributes. */
    static final String HEADER = "sqs-attributes";
    static final int MAX_ATTRIBUTES = 10;

    private static final ObjectMapper JSON = new ObjectMapper();

    private MessageAttributes() {
    }

    /** Reads and checks {@code MessageAttributes} of a send (JSON shape). */
    static Map<String, MessageAttribute> parse(JsonNode obj) {
        Map<String, MessageAttribute> out = new LinkedHashMap<>();
        if (obj == null || obj.isNull() || obj.isEmpty()) {
            return out;
        }
        if (!obj.isObject()) {
            throw SqsError.invalidParameter("MessageAttributes must be a map.");
        }
        if (obj.size() > MAX_ATTRIBUTES) {
            throw SqsError.invalidParameter("Number of message attributes [" + obj.size()
                    + "] exceeds the allowed maximum [" + MAX_ATTRIBUTES + "].");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(checkName(e.getKey()), value(e.getKey(), e.getValue()));
        }
        return out;
    }

    static String checkName(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (!nameChars(name, 0, 256) || lower.startsWith("aws.") || lower.startsWith("amazon.")
                || name.startsWith(".") || name.endsWith(".") || name.contains("..")) {
            throw SqsError.invalidParameter("Message (user) attribute name '" + shorten(name) + "' is invalid.");
        }
        return name;
    }

    /** 1 to {@code max} characters of {@code [A-Za-z0-9_.-]} from {@code from} on (no regex: per attribute). */
    private static boolean nameChars(String s, int from, int max) {
        int n = s.length() - from;
        if (n < 1 || n > max) {
            return false;
        }
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
                    || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** {@code (String|Number|Binary)(\.[A-Za-z0-9_.-]+)?}. */
    static boolean isType(String type) {
        if (!type.startsWith("String") && !type.startsWith("Number") && !type.startsWith("Binary")) {
            return false;
        }
        int base = 6;
        return type.length() == base || type.charAt(base) == '.' && nameChars(type, base + 1, Integer.MAX_VALUE);
    }

    static MessageAttribute value(String name, JsonNode v) {
        String type = v == null || v.get("DataType") == null ? null : v.get("DataType").asText();
        if (type == null || type.isEmpty()) {
            throw SqsError.invalidParameter("The message attribute '" + name + "' must contain non-empty message "
                    + "attribute type.");
        }
        if (!isType(type) || type.length() > 256) {
            throw SqsError.invalidParameter("The type of message (user) attribute '" + name + "' is invalid. You "
                    + "must use only the following supported type prefixes: Binary, Number, String.");
        }
        if (v.has("StringListValues") && !v.get("StringListValues").isEmpty()
                || v.has("BinaryListValues") && !v.get("BinaryListValues").isEmpty()) {
            throw SqsError.invalidParameter("Message attribute list values are not supported.");
        }
        if (type.startsWith("Binary")) {
            JsonNode b = v.get("BinaryValue");
            byte[] bytes;
            try {
                bytes = b == null || b.isNull() ? new byte[0] : Base64.getDecoder().decode(b.asText());
            } catch (IllegalArgumentException e) {
                throw SqsError.invalidParameter("The message attribute '" + name + "' has a malformed BinaryValue.");
            }
            if (bytes.length == 0) {
                throw SqsError.invalidParameter("Message (user) attribute '" + name
                        + "' must contain a non-empty value of type 'Binary'.");
            }
            return new MessageAttribute(type, null, bytes);
        }
        JsonNode s = v.get("StringValue");
        String text = s == null || s.isNull() ? "" : s.asText();
        if (text.isEmpty()) {
            throw SqsError.invalidParameter("Message (user) attribute '" + name + "' must contain a non-empty value "
                    + "of type '" + (type.startsWith("Number") ? "Number" : "String") + "'.");
        }
        if (!SqsText.allowed(text)) {
            throw SqsError.invalidParameter("Message (user) attribute '" + name + "' contains characters outside "
                    + "the allowed set.");
        }
        if (type.startsWith("Number")) {
            checkNumber(name, text);
        }
        return new MessageAttribute(type, text, null);
    }

    private static void checkNumber(String name, String text) {
        try {
            BigDecimal d = new BigDecimal(text.trim());
            if (d.precision() > 38 || d.compareTo(BigDecimal.TEN.pow(126)) > 0
                    || d.compareTo(BigDecimal.TEN.pow(128).negate()) < 0) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw SqsError.invalidParameter("Could not cast message attribute '" + name + "' value to number.");
        }
    }

    /** The header value holding {@code attributes}. */
    static String encode(Map<String, MessageAttribute> attributes) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, MessageAttribute> e : attributes.entrySet()) {
            MessageAttribute a = e.getValue();
            ArrayNode pair = o.putArray(e.getKey());
            pair.add(a.dataType());
            pair.add(a.isBinary() ? Base64.getEncoder().encodeToString(a.binaryValue()) : a.stringValue());
        }
        // Jackson escapes control characters below 0x20 but not DEL, which Spool headers refuse;
        // DEL can only appear inside a JSON string here, so escaping it textually is safe.
        return o.toString().replace("\u007f", "\\u007f");
    }

    /** The attributes kept in a message's headers (none when the header is absent or unreadable). */
    static Map<String, MessageAttribute> decode(Map<String, String> headers) {
        String h = headers.get(HEADER);
        Map<String, MessageAttribute> out = new LinkedHashMap<>();
        if (h == null) {
            return out;
        }
        try {
            JsonNode o = JSON.readTree(h);
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                String type = e.getValue().get(0).asText();
                String value = e.getValue().get(1).asText();
                out.put(e.getKey(), type.startsWith("Binary")
                        ? new MessageAttribute(type, null, Base64.getDecoder().decode(value))
                        : new MessageAttribute(type, value, null));
            }
        } catch (IOException | RuntimeException e) {
            // a header of this name written through the native API in another form: no attributes
            return new LinkedHashMap<>();
        }
        return out;
    }

    /** The attributes a receive asked for: {@code All}, {@code .*}, a prefix ending {@code .*}, or names. */
    static Map<String, MessageAttribute> select(Map<String, MessageAttribute> all, List<String> names) {
        Map<String, MessageAttribute> out = new LinkedHashMap<>();
        if (names.isEmpty() || all.isEmpty()) {
            return out;
        }
        for (Map.Entry<String, MessageAttribute> e : all.entrySet()) {
            for (String n : names) {
                if (n.equals("All") || n.equals(".*") || n.equals(e.getKey())
                        || n.endsWith(".*") && e.getKey().startsWith(n.substring(0, n.length() - 1))) {
                    out.put(e.getKey(), e.getValue());
                    break;
                }
            }
        }
        return out;
    }

    /** The JSON shape of attributes in a reply. */
    static ObjectNode toJson(Map<String, MessageAttribute> attributes) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, MessageAttribute> e : attributes.entrySet()) {
            MessageAttribute a = e.getValue();
            ObjectNode v = o.putObject(e.getKey());
            if (a.isBinary()) {
                v.put("BinaryValue", Base64.getEncoder().encodeToString(a.binaryValue()));
            } else {
                v.put("StringValue", a.stringValue());
            }
            v.put("DataType", a.dataType());
        }
        return o;
    }

    private static String shorten(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }
}
