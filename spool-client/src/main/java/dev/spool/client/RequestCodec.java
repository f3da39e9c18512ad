package dev.spool.client;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonGenerator;

import dev.spool.api.AckRequest;
import dev.spool.api.ExtendRequest;
import dev.spool.api.NackRequest;
import dev.spool.api.PopRequest;

import io.vertx.core.buffer.Buffer;

/**
 * The fields of pop, ack, nack and extend requests, written once for their routes
 * ({@code POST /v1/queues/{q}/ack} ...) and for their {@code /v1/tx} ops.
 */
final class RequestCodec {
    private RequestCodec() {
    }

    /** A JSON object holding {@code fields}. */
    static Buffer body(JsonCodec.Writer fields) {
        return JsonCodec.write(g -> {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        });
    }

    /** A pop's fields; {@code max} is left out by the raw form, which pops one. */
    static void pop(JsonGenerator g, PopRequest r, boolean withMax) throws IOException {
        if (withMax) {
            g.writeNumberField("max", r.max());
        }
        g.writeNumberField("visibility_ms", r.visibilityMs());
        g.writeNumberField("wait_ms", r.waitMs());
        g.writeStringField("group", r.group());
    }

    static void ack(JsonGenerator g, AckRequest r) throws IOException {
        JsonCodec.writeReceipts(g, r.receipts());
        g.writeStringField("group", r.group());
        if (r.result().isPresent()) {
            JsonCodec.writeResult(g, r.result().get());
        }
    }

    static void nack(JsonGenerator g, NackRequest r) throws IOException {
        JsonCodec.writeReceipts(g, r.receipts());
        g.writeStringField("group", r.group());
        if (r.delayMs().isPresent()) {
            g.writeNumberField("delay_ms", r.delayMs().getAsLong());
        }
        if (r.reason().isPresent()) {
            g.writeStringField("reason", r.reason().get());
        }
        if (r.deadLetter()) {
            g.writeBooleanField("dead_letter", true);
        }
    }

    static void extend(JsonGenerator g, ExtendRequest r) throws IOException {
        JsonCodec.writeReceipts(g, r.receipts());
        g.writeStringField("group", r.group());
        g.writeNumberField("visibility_ms", r.visibilityMs());
    }
}
