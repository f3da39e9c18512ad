package dev.spool.server.sqs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The input of one action in the shape of the AWS JSON 1.0 protocol (the query protocol is
 * converted to it by {@link QueryProtocol}), with typed getters that fail the way SQS does:
 * {@code MissingParameter} when required and absent, {@code InvalidParameterValue} when malformed.
 */
final class Params {
    private final JsonNode node;

    Params(JsonNode node) {
        this.node = node == null || !node.isObject() ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode() : node;
    }

    ObjectNode raw() {
        return (ObjectNode) node;
    }

    boolean has(String name) {
        JsonNode v = node.get(name);
        return v != null && !v.isNull();
    }

    Optional<String> string(String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isValueNode()) {
            throw SqsError.invalidParameter("Value for parameter " + name + " is invalid.");
        }
        return Optional.of(v.asText());
    }

    String required(String name) {
        return string(name).orElseThrow(() -> SqsError.missingParameter(name));
    }

    /** An integer parameter in {@code [min, max]}. */
    Optional<Integer> integer(String name, int min, int max) {
        Optional<String> s = string(name);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        long v;
        try {
            v = Long.parseLong(s.get().trim());
        } catch (NumberFormatException e) {
            throw SqsError.invalidParameter("Value " + s.get() + " for parameter " + name + " is invalid. "
                    + "Reason: must be a whole number.");
        }
        if (v < min || v > max) {
            throw SqsError.invalidParameter("Value " + v + " for parameter " + name + " is invalid. Reason: must be "
                    + "between " + min + " and " + max + ".");
        }
        return Optional.of((int) v);
    }

    List<String> strings(String name) {
        JsonNode v = node.get(name);
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            throw SqsError.invalidParameter("Value for parameter " + name + " must be a list.");
        }
        for (JsonNode e : v) {
            out.add(e.asText());
        }
        return out;
    }

    /** A map of strings (queue attributes, tags). */
    Map<String, String> stringMap(String name) {
        JsonNode v = node.get(name);
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isObject()) {
            throw SqsError.invalidParameter("Value for parameter " + name + " must be a map.");
        }
        v.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /** A list of objects (batch entries). */
    List<Params> entries(String name) {
        JsonNode v = node.get(name);
        List<Params> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            throw SqsError.invalidParameter("Value for parameter " + name + " must be a list.");
        }
        for (JsonNode e : v) {
            out.add(new Params(e));
        }
        return out;
    }

    /** A nested object ({@code MessageAttributes}); empty when absent. */
    JsonNode object(String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode() : v;
    }
}
