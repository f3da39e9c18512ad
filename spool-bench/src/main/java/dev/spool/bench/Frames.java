package dev.spool.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.CharBuffer;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBufInputStream;
import io.vertx.core.buffer.Buffer;

/**
 * A streaming reader of the replies and frames the load generator consumes: pop replies
 * ({@code messages}), ack replies ({@code results}) and {@code /v1/stream} frames ({@code op},
 * {@code req}, {@code sub}, {@code messages}, {@code results}, {@code error}, a lock lease's
 * {@code lease_id} and {@code token}). It keeps only what the
 * audit needs — each delivery's bench identity (read from the payload's characters without making a
 * string of it) and receipt, the count of ok outcomes — and skips everything else, which costs the
 * load generator far less CPU than building a JSON tree per reply.
 */
final class Frames {
    private static final JsonFactory JSON = new JsonFactory();

    private Frames() {
    }

    /** What a reply or frame said. */
    static final class Frame {
        String op;
        long req = -1;
        String sub;
        String error;
        /** A lock lease reply's {@code lease_id} and {@code token} (top level only). */
        String leaseId;
        long token = -1;
        final List<String> receipts = new ArrayList<>();
        long[] ids = new long[8];
        int ok;
        int notOk;
        String firstBadStatus;

        int deliveries() {
            return receipts.size();
        }

        private void addDelivery(long id, String receipt) {
            int n = receipts.size();
            if (n == ids.length) {
                ids = java.util.Arrays.copyOf(ids, n * 2);
            }
            ids[n] = id;
            receipts.add(receipt);
        }
    }

    static Frame parse(byte[] json) {
        try (JsonParser p = JSON.createParser(json)) {
            return read(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Frame parse(Buffer json) {
        InputStream in = new ByteBufInputStream(json.getByteBuf());
        try (JsonParser p = JSON.createParser(in)) {
            return read(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Frame parse(String json) {
        try (JsonParser p = JSON.createParser(json)) {
            return read(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Frame read(JsonParser p) throws IOException {
        Frame f = new Frame();
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new IOException("expected a JSON object");
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "op" -> f.op = p.getText();
                case "req" -> f.req = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
                case "sub" -> f.sub = p.getText();
                case "messages" -> readMessages(p, f);
                case "results" -> readResults(p, f);
                case "error" -> f.error = readError(p);
                case "lease_id" -> f.leaseId = p.getText();
                case "token" -> f.token = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
                default -> p.skipChildren();
            }
        }
        return f;
    }

    private static void readMessages(JsonParser p, Frame f) throws IOException {
        while (p.nextToken() == JsonToken.START_OBJECT) {
            long id = Ids.NONE;
            String receipt = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if ("payload".equals(name) && t == JsonToken.VALUE_STRING) {
                    int len = Math.min(p.getTextLength(), 24);
                    id = Ids.parse(CharBuffer.wrap(p.getTextCharacters(), p.getTextOffset(), len));
                } else if ("receipt".equals(name)) {
                    receipt = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            f.addDelivery(id, receipt);
        }
    }

    private static void readResults(JsonParser p, Frame f) throws IOException {
        while (p.nextToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if ("status".equals(name)) {
                    String status = p.getText();
                    if ("ok".equals(status)) {
                        f.ok++;
                    } else {
                        f.notOk++;
                        if (f.firstBadStatus == null) {
                            f.firstBadStatus = status;
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
    }

    private static String readError(JsonParser p) throws IOException {
        StringBuilder sb = new StringBuilder();
        if (p.currentToken() != JsonToken.START_OBJECT) {
            return p.getText();
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            if (p.currentToken().isScalarValue()) {
                sb.append(sb.isEmpty() ? "" : ", ").append(name).append('=').append(p.getText());
            } else {
                p.skipChildren();
            }
        }
        return sb.toString();
    }
}
