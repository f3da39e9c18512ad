package dev.spool.server;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.netty.buffer.ByteBufOutputStream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.VertxByteBufAllocator;

/**
 * The server's one Jackson factory and the glue between Jackson's streaming API and Vert.x buffers.
 *
 * <p>Requests and replies are read and written token by token ({@link JsonParser},
 * {@link JsonGenerator}) rather than data-bound, so that a batch of a hundred messages costs no
 * reflection and no intermediate objects.
 */
final class Json {
    /** Nesting deeper than this is refused: no legitimate message needs it and it guards the stack. */
    static final int MAX_NESTING = 200;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING)
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNumberLength(64)
                    .build())
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .build();

    private Json() {
    }

    /** Writes JSON into a generator. */
    @FunctionalInterface
    interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    static JsonFactory factory() {
        return FACTORY;
    }

    /**
     * Renders a document into a buffer. The buffer comes from Vert.x's own heap allocator, not
     * {@code Unpooled}: Netty's default unpooled allocator counts every allocation and growth in a
     * {@code LongAdder} shared by all event loops, which JFR showed among the stream's hottest frames
     * (one reply or delivery frame rendered per message).
     */
    static Buffer render(Writer writer) {
        ByteBufOutputStream out = new ByteBufOutputStream(VertxByteBufAllocator.DEFAULT.heapBuffer(256));
        try (JsonGenerator g = FACTORY.createGenerator((OutputStream) out)) {
            writer.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(out.buffer());
    }

    /** Renders a document into a stream (used off the event loop for streamed payloads). */
    static void render(Writer writer, OutputStream out) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            writer.write(g);
        }
    }

    /** A parser over a request body. */
    static JsonParser parser(Buffer body) throws IOException {
        if (body.getByteBuf().hasArray()) {
            var buf = body.getByteBuf();
            return FACTORY.createParser(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes());
        }
        return FACTORY.createParser(body.getBytes());
    }

    /** A parser over bytes. */
    static JsonParser parser(byte[] bytes) throws IOException {
        return FACTORY.createParser(bytes);
    }

    /**
     * Whether a content type is JSON as far as payloads are concerned: the media type
     * {@code application/json}, any parameters ignored.
     */
    static boolean isJsonMedia(String contentType) {
        if (contentType == null) {
            return false;
        }
        String ct = contentType.strip();
        int n = "application/json".length();
        if (!ct.regionMatches(true, 0, "application/json", 0, n)) {
            return false;
        }
        return ct.length() == n || ct.charAt(n) == ';' || ct.charAt(n) == ' ';
    }
}
