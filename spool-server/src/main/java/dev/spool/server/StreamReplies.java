package dev.spool.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.VertxByteBufAllocator;

import dev.spool.api.MessageIds;
import dev.spool.api.SpoolException;

/** The reply frames of {@code /v1/stream}: {@code ok} and {@code error}, each naming the request's {@code req}. */
final class StreamReplies {
    private StreamReplies() {
    }

    /** {@code {"op":"ok","req":<req>,<fields>}}. */
    static Buffer ok(Object req, Json.Writer fields) {
        return Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("op", "ok");
            writeReq(g, req);
            fields.write(g);
            g.writeEndObject();
        });
    }

    /** {@code {"op":"error","req":<req>,"sub":<sub>,"error":{...}}}; {@code req} and {@code sub} may be null. */
    static Buffer error(Object req, String sub, Throwable t) {
        SpoolException e = Errors.toSpool(t);
        return Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("op", "error");
            writeReq(g, req);
            if (sub != null) {
                g.writeStringField("sub", sub);
            }
            g.writeFieldName("error");
            Errors.writeInner(g, e);
            g.writeEndObject();
        });
    }

    private static final byte[] OK_REQ = "{\"op\":\"ok\",\"req\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IDS = ",\"ids\":[".getBytes(StandardCharsets.US_ASCII);

    /**
     * The stream's reply to a push with a numeric {@code req}:
     * {@code {"op":"ok","req":<req>,"ids":["<16 hex>",...]}}, written as bytes (no generator), the
     * same bytes Jackson would write ({@code StreamFrameTest.shouldWritePushRepliesAsJacksonWould}).
     */
    static Buffer pushed(long req, long[] ids) {
        ByteBuf b = VertxByteBufAllocator.DEFAULT.heapBuffer(OK_REQ.length + 24 + ids.length * 19);
        b.writeBytes(OK_REQ);
        b.writeCharSequence(Long.toString(req), StandardCharsets.US_ASCII);
        b.writeBytes(IDS);
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                b.writeByte(',');
            }
            b.writeByte('"');
            b.writeCharSequence(MessageIds.format(ids[i]), StandardCharsets.US_ASCII);
            b.writeByte('"');
        }
        b.writeByte(']');
        b.writeByte('}');
        return Buffer.buffer(b);
    }

    private static void writeReq(JsonGenerator g, Object req) throws IOException {
        if (req instanceof Long l) {
            g.writeNumberField("req", l);
        } else if (req instanceof String s) {
            g.writeStringField("req", s);
        }
    }
}
