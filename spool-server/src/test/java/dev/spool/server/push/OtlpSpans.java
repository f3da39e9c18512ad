package dev.spool.server.push;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Decodes the spans of an OTLP/HTTP protobuf {@code ExportTraceServiceRequest} as a collector
 * would: {@code resource_spans(1) → scope_spans(2) → spans(2)}, each span's {@code trace_id(1)},
 * {@code span_id(2)}, {@code parent_span_id(4)}, {@code name(5)} and {@code kind(6)}. Written by
 * hand from the published {@code trace.proto} so the test needs no protobuf library.
 */
final class OtlpSpans {
    /** One decoded span; ids in lower-case hex, parent empty for a root span. */
    record Span(String traceId, String spanId, String parentSpanId, String name, int kind) {
    }

    private OtlpSpans() {
    }

    static List<Span> decode(byte[] request) {
        List<Span> out = new ArrayList<>();
        for (byte[] rs : fields(request, 1)) {
            for (byte[] ss : fields(rs, 2)) {
                for (byte[] span : fields(ss, 2)) {
                    out.add(span(span));
                }
            }
        }
        return out;
    }

    private static Span span(byte[] b) {
        String trace = "";
        String id = "";
        String parent = "";
        String name = "";
        int kind = 0;
        ByteBuffer in = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
            long tag = varint(in);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (wire == 2) {
                byte[] v = new byte[(int) varint(in)];
                in.get(v);
                switch (field) {
                    case 1 -> trace = HexFormat.of().formatHex(v);
                    case 2 -> id = HexFormat.of().formatHex(v);
                    case 4 -> parent = HexFormat.of().formatHex(v);
                    case 5 -> name = new String(v, StandardCharsets.UTF_8);
                    default -> { }
                }
            } else if (wire == 0) {
                long v = varint(in);
                if (field == 6) {
                    kind = (int) v;
                }
            } else {
                skip(in, wire);
            }
        }
        return new Span(trace, id, parent, name, kind);
    }

    /** The length-delimited values of {@code wanted} in a message. */
    private static List<byte[]> fields(byte[] msg, int wanted) {
        List<byte[]> out = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(msg).order(ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
            long tag = varint(in);
            int wire = (int) (tag & 7);
            if (wire == 2) {
                byte[] v = new byte[(int) varint(in)];
                in.get(v);
                if ((tag >>> 3) == wanted) {
                    out.add(v);
                }
            } else {
                skip(in, wire);
            }
        }
        return out;
    }

    private static void skip(ByteBuffer in, int wire) {
        switch (wire) {
            case 0 -> varint(in);
            case 1 -> in.getLong();
            case 5 -> in.getInt();
            default -> throw new IllegalArgumentException("unexpected wire type " + wire);
        }
    }

    private static long varint(ByteBuffer in) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            v |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }
}
