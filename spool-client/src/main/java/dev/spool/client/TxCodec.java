package dev.spool.client;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;
import dev.spool.api.TxOp;
import dev.spool.api.TxResult;

/** The JSON of {@code POST /v1/tx}: one object per op with the fields of its endpoint's body. */
final class TxCodec {
    private TxCodec() {
    }

    static void write(JsonGenerator g, List<TxOp> ops) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("ops");
        for (TxOp op : ops) {
            g.writeStartObject();
            switch (op) {
                case TxOp.Push p -> {
                    g.writeStringField("op", "push");
                    g.writeStringField("queue", p.queue());
                    JsonCodec.writeMessages(g, p.messages());
                }
                case TxOp.Ack a -> {
                    g.writeStringField("op", "ack");
                    g.writeStringField("queue", a.queue());
                    JsonCodec.writeReceipts(g, a.request().receipts());
                    g.writeStringField("group", a.request().group());
                    if (a.request().result().isPresent()) {
                        JsonCodec.writeResult(g, a.request().result().get());
                    }
                }
                case TxOp.Nack n -> {
                    g.writeStringField("op", "nack");
                    g.writeStringField("queue", n.queue());
                    JsonCodec.writeReceipts(g, n.request().receipts());
                    g.writeStringField("group", n.request().group());
                    if (n.request().delayMs().isPresent()) {
                        g.writeNumberField("delay_ms", n.request().delayMs().getAsLong());
                    }
                    if (n.request().reason().isPresent()) {
                        g.writeStringField("reason", n.request().reason().get());
                    }
                    if (n.request().deadLetter()) {
                        g.writeBooleanField("dead_letter", true);
                    }
                }
                case TxOp.Extend x -> {
                    g.writeStringField("op", "extend");
                    g.writeStringField("queue", x.queue());
                    JsonCodec.writeReceipts(g, x.request().receipts());
                    g.writeStringField("group", x.request().group());
                    g.writeNumberField("visibility_ms", x.request().visibilityMs());
                }
                case TxOp.OnLock l -> throw new SpoolException(ErrorCode.NOT_IMPLEMENTED,
                        "lock operations in transactions are not available in this client yet");
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    static TxResult read(JsonNode reply, int ops) {
        List<long[]> out = new ArrayList<>(ops);
        JsonNode results = reply.path("results");
        for (int i = 0; i < ops; i++) {
            JsonNode r = results.path(i);
            out.add(r.has("ids") ? JsonCodec.ids(r) : new long[0]);
        }
        return new TxResult(out);
    }
}
