package dev.spool.server.sqs;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An SQS {@code RedrivePolicy}: after {@code maxReceiveCount} receives a message moves to the
 * dead-letter queue. In Spool terms: {@code max_attempts} and {@code dead_letter_queue}.
 *
 * @param deadLetterQueue the dead-letter queue's name
 * @param maxReceiveCount 1..1000
 */
record RedrivePolicy(String deadLetterQueue, int maxReceiveCount) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static RedrivePolicy parse(String text, Arns arns) {
        JsonNode p;
        try {
            p = JSON.readTree(text);
        } catch (IOException e) {
            throw invalid(text, "not valid JSON");
        }
        if (p == null || !p.isObject() || !p.hasNonNull("deadLetterTargetArn") || !p.hasNonNull("maxReceiveCount")) {
            throw invalid(text, "deadLetterTargetArn and maxReceiveCount are required");
        }
        int max;
        try {
            max = Integer.parseInt(p.get("maxReceiveCount").asText().trim());
        } catch (NumberFormatException e) {
            throw invalid(text, "maxReceiveCount must be a whole number");
        }
        if (max < 1 || max > 1000) {
            throw invalid(text, "maxReceiveCount must be between 1 and 1000");
        }
        return new RedrivePolicy(arns.queueName(p.get("deadLetterTargetArn").asText(), "RedrivePolicy"), max);
    }

    String toJson(Arns arns) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("deadLetterTargetArn", arns.arn(deadLetterQueue));
        o.put("maxReceiveCount", maxReceiveCount);
        return o.toString();
    }

    private static SqsError invalid(String text, String reason) {
        return SqsError.invalidParameter("Value " + text + " for parameter RedrivePolicy is invalid. Reason: "
                + reason + ".");
    }
}
