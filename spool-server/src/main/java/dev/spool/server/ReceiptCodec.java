package dev.spool.server;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import com.fasterxml.jackson.core.JsonGenerator;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.BrokerLimits;
import dev.spool.api.ExtendRequest;
import dev.spool.api.MessageBody;
import dev.spool.api.NackRequest;
import dev.spool.api.Outcomes;
import dev.spool.api.Payload;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.api.TaskResult;
import dev.spool.api.Validation;

/**
 * JSON of ack, nack and extend: {@code {receipts:[...], group?, ...}} in, per-receipt outcomes
 * {@code {"results":[{"receipt","status"}]}} out. Shared by the HTTP routes, transactions and
 * the stream, which pass a field prefix so errors name the field as the client wrote it.
 */
final class ReceiptCodec {
    /** Which of the three operations a body is for. */
    enum Kind {
        ACK, NACK, EXTEND
    }

    /** A parsed request of any kind. */
    record Parsed(Kind kind, AckRequest ack, NackRequest nack, ExtendRequest extend) {
        String group() {
            return switch (kind) {
                case ACK -> ack.group();
                case NACK -> nack.group();
                case EXTEND -> extend.group();
            };
        }

        Receipts receipts() {
            return switch (kind) {
                case ACK -> ack.receipts();
                case NACK -> nack.receipts();
                case EXTEND -> extend.receipts();
            };
        }
    }

    private ReceiptCodec() {
    }

    /**
     * Reads the fields of the current object up to its end. {@code extra} is called for fields
     * this codec does not know and must consume them or throw.
     */
    static Parsed readFields(JsonIn in, Kind kind, BrokerLimits limits, String prefix, ExtraField extra)
            throws IOException {
        String group = Broker.DEFAULT_GROUP;
        List<String> receipts = null;
        byte[] result = null;
        byte[] resultBytes = null;
        String resultType = null;
        OptionalLong delay = OptionalLong.empty();
        String reason = null;
        boolean deadLetter = false;
        long visibility = 0;
        String f;
        while ((f = in.nextField()) != null) {
            String field = prefix + f;
            if (in.isNull() && !"result".equals(f)) {
                continue;
            }
            switch (kind == Kind.ACK ? "a:" + f : kind == Kind.NACK ? "n:" + f : "e:" + f) {
                case "a:receipts", "n:receipts", "e:receipts" -> receipts = in.readStringList(field, limits.maxBatch());
                case "a:group", "n:group", "e:group" -> group = in.readString(field);
                case "a:result" -> result = in.readRawValue();
                case "a:result_base64" -> resultBytes = in.readBase64(field);
                case "a:result_content_type" -> resultType = in.readString(field);
                case "n:delay_ms" -> delay = OptionalLong.of(in.readLong(field, 0, Validation.MAX_DELAY_MS));
                case "n:reason" -> reason = in.readString(field);
                case "n:dead_letter" -> deadLetter = in.readBool(field);
                case "e:visibility_ms" -> visibility = in.readLong(field, 0, Validation.MAX_VISIBILITY_MS);
                default -> extra.read(f);
            }
        }
        if (receipts == null) {
            throw SpoolException.invalid(prefix + "receipts", "receipts is required");
        }
        Receipts rs = Receipts.parse(receipts, prefix + "receipts");
        try {
            return switch (kind) {
                case ACK -> new Parsed(kind, checked(new AckRequest(group, rs,
                        result(result, resultBytes, resultType, prefix)), limits), null, null);
                case NACK -> new Parsed(kind, null, checked(new NackRequest(group, rs, delay,
                        Optional.ofNullable(reason), deadLetter), limits), null);
                case EXTEND -> new Parsed(kind, null, null, checked(new ExtendRequest(group, rs, visibility), limits));
            };
        } catch (SpoolException e) {
            throw prefix.isEmpty() ? e : SpoolException.invalid(prefix + e.field().orElse(""), e.getMessage());
        }
    }

    /** Handles a field the codec does not know. */
    @FunctionalInterface
    interface ExtraField {
        void read(String name) throws IOException;
    }

    private static AckRequest checked(AckRequest r, BrokerLimits limits) {
        r.validate(limits);
        return r;
    }

    private static NackRequest checked(NackRequest r, BrokerLimits limits) {
        r.validate(limits);
        return r;
    }

    private static ExtendRequest checked(ExtendRequest r, BrokerLimits limits) {
        r.validate(limits);
        return r;
    }

    private static Optional<TaskResult> result(byte[] json, byte[] bytes, String type, String prefix) {
        if (json != null && bytes != null) {
            throw SpoolException.invalid(prefix + "result", "give result or result_base64, not both");
        }
        if (json != null) {
            if (type != null && !Json.isJsonMedia(type)) {
                throw SpoolException.invalid(prefix + "result_content_type",
                        "a JSON result is application/json; send other types as result_base64");
            }
            return Optional.of(new TaskResult(Payload.of(json), MessageBody.JSON));
        }
        if (bytes != null) {
            String ct = type == null ? MessageBody.OCTET_STREAM : type;
            Validation.text(prefix + "result_content_type", ct, 1, Validation.MAX_CONTENT_TYPE_LENGTH);
            if (Json.isJsonMedia(ct)) {
                MessageCodec.checkJson(bytes, prefix + "result_base64");
            }
            return Optional.of(new TaskResult(Payload.of(bytes), ct));
        }
        if (type != null) {
            throw SpoolException.invalid(prefix + "result_content_type", "result_content_type needs result_base64");
        }
        return Optional.empty();
    }

    /** Writes {@code "results":[{"receipt","status"}]} (a field of the current object). */
    static void writeResults(JsonGenerator g, Receipts rs, Outcomes out) throws IOException {
        g.writeArrayFieldStart("results");
        for (int i = 0; i < out.size(); i++) {
            g.writeStartObject();
            g.writeStringField("receipt", rs.format(i));
            g.writeStringField("status", out.get(i).wire());
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
