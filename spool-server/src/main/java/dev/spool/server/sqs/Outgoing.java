package dev.spool.server.sqs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;
import dev.spool.api.Validation;

/**
 * One message of a SendMessage or SendMessageBatch, checked as SQS checks it and turned into a
 * Spool message, with the checksums of its reply.
 *
 * <p>Mapping: the body is the payload (UTF-8, {@value #CONTENT_TYPE}); {@code MessageGroupId} is the
 * Spool key (FIFO queues only: Spool's keyed FIFO gives SQS's per-group order and one message of
 * a group in flight at a time); the deduplication id (given, or the SHA-256 of the body with
 * {@code ContentBasedDeduplication}) is the Spool {@code dedup_id}; message attributes, the
 * {@code AWSTraceHeader} system attribute, the deduplication id and the sender (when it is not the
 * account, the SenderId of unsigned sends) go into headers.
 *
 * @param message the Spool message to push
 * @param md5Body {@code MD5OfMessageBody}
 * @param md5Attributes {@code MD5OfMessageAttributes}, empty string when there are none
 * @param md5System {@code MD5OfMessageSystemAttributes}, empty string when there are none
 */
record Outgoing(NewMessage message, String md5Body, String md5Attributes, String md5System) {
    static final String CONTENT_TYPE = "text/plain; charset=utf-8";
    static final String TRACE_HEADER = "sqs-aws-trace-header";
    static final String DEDUP_HEADER = "sqs-deduplication-id";
    static final String SENDER_HEADER = "sqs-sender-id";

    /** Reads one send (the request, or one batch entry) for {@code q}. */
    static Outgoing of(Params p, QueueView q, Call call, String accountId) {
        String body = p.required("MessageBody");
        if (body.isEmpty()) {
            throw SqsError.invalidParameter("The request must contain the parameter MessageBody.");
        }
        if (!SqsText.allowed(body)) {
            throw SqsError.invalidMessageContents("Invalid binary character in the message body: only #x9 | #xA | "
                    + "#xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF are allowed.");
        }
        Map<String, MessageAttribute> attrs = MessageAttributes.parse(p.object("MessageAttributes"));
        Map<String, MessageAttribute> system = systemAttributes(p.object("MessageSystemAttributes"));
        byte[] utf8 = body.getBytes(StandardCharsets.UTF_8);
        long size = utf8.length;
        for (Map.Entry<String, MessageAttribute> e : attrs.entrySet()) {
            size += e.getValue().size(e.getKey());
        }
        if (size > q.config().maxMessageBytes()) {
            throw SqsError.invalidParameter("One or more parameters are invalid. Reason: Message must be shorter than "
                    + q.config().maxMessageBytes() + " bytes.");
        }
        NewMessage.Builder b = NewMessage.builder(Payload.of(utf8)).contentType(CONTENT_TYPE);
        if (!call.senderId().equals(accountId)) {
            // a message without the header reads back with the account as SenderId: an unsigned
            // send needs no header (no map, no journal bytes) for the same reply
            b.header(SENDER_HEADER, call.senderId());
        }
        if (!attrs.isEmpty()) {
            b.header(MessageAttributes.HEADER, MessageAttributes.encode(attrs));
        }
        if (system.containsKey("AWSTraceHeader")) {
            b.header(TRACE_HEADER, system.get("AWSTraceHeader").stringValue());
        }
        int delay = p.integer("DelaySeconds", 0, 900).orElse(q.meta().delaySeconds());
        if (q.fifo()) {
            if (p.has("DelaySeconds")) {
                throw notForThisQueue("DelaySeconds");
            }
            String group = checkId(p.string("MessageGroupId")
                    .orElseThrow(() -> SqsError.missingParameter("MessageGroupId")), "MessageGroupId");
            String dedup = p.string("MessageDeduplicationId").map(d -> checkId(d, "MessageDeduplicationId"))
                    .orElseGet(() -> {
                        if (!q.meta().contentBasedDedup()) {
                            throw SqsError.invalidParameter("The queue should either have ContentBasedDeduplication "
                                    + "enabled or MessageDeduplicationId provided explicitly");
                        }
                        return sha256(utf8);
                    });
            b.key(group).dedupId(dedup).header(DEDUP_HEADER, dedup);
        } else {
            if (p.has("MessageDeduplicationId")) {
                throw notForThisQueue("MessageDeduplicationId");
            }
            if (p.has("MessageGroupId")) {
                throw notForThisQueue("MessageGroupId");
            }
        }
        b.delayMs(delay * 1000L);
        NewMessage m = b.build();
        try {
            Validation.message(m, "message");
        } catch (SpoolException e) {
            // the attributes outgrew what Spool headers hold (16 KiB in all)
            throw SqsError.invalidParameter("Message attributes too large for Spool: " + e.getMessage());
        }
        return new Outgoing(m, Md5s.ofBody(utf8), attrs.isEmpty() ? "" : Md5s.ofAttributes(attrs),
                system.isEmpty() ? "" : Md5s.ofAttributes(system));
    }

    private static Map<String, MessageAttribute> systemAttributes(JsonNode obj) {
        Map<String, MessageAttribute> out = new LinkedHashMap<>();
        if (obj == null || obj.isEmpty()) {
            return out;
        }
        obj.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("AWSTraceHeader")) {
                throw SqsError.invalidParameter("Message system attribute name '" + e.getKey() + "' is invalid.");
            }
            MessageAttribute a = MessageAttributes.value(e.getKey(), e.getValue());
            if (!a.dataType().equals("String") || a.stringValue().chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
                throw SqsError.invalidParameter("AWSTraceHeader must be a String of printable ASCII.");
            }
            out.put(e.getKey(), a);
        });
        return out;
    }

    private static String checkId(String v, String name) {
        if (!printableAscii(v, 128)) {
            throw SqsError.invalidParameter("Value " + (v.length() > 140 ? v.substring(0, 140) : v) + " for parameter "
                    + name + " is invalid. Reason: 1 to 128 alphanumeric or punctuation characters.");
        }
        return v;
    }

    /** 1 to {@code max} characters from {@code !} to {@code ~} (no regex: this runs per message). */
    static boolean printableAscii(String v, int max) {
        int n = v.length();
        if (n == 0 || n > max) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = v.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static SqsError notForThisQueue(String name) {
        return SqsError.invalidParameter("Value for parameter " + name + " is invalid. Reason: The request include "
                + "parameter that is not valid for this queue type.");
    }

    static String sha256(String body) {
        return sha256(body.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] utf8) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(utf8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
