package dev.spool.client;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpMethod;

import dev.spool.api.Delivery;
import dev.spool.api.MessageBody;
import dev.spool.api.MessageIds;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.SpoolException;

/**
 * The raw (non-JSON) push and pop: the payload is the HTTP body and the metadata travels in
 * {@code Spool-*} headers ({@code docs/api.md}, "Raw push" and "Raw pop").
 */
final class RawForms {
    private static final String PREFIX = "Spool-Header-";

    private RawForms() {
    }

    static CompletableFuture<Transport.Reply> push(Transport t, String uri, NewMessage m) {
        MessageBody b = m.body();
        if (MessageBody.JSON.equals(b.contentType())) {
            throw SpoolException.invalid("content_type", "a raw push cannot carry application/json; use push()");
        }
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", b.contentType());
        b.key().ifPresent(k -> h.put("Spool-Key", ascii("Spool-Key", k)));
        if (b.priority() != 0) {
            h.put("Spool-Priority", Integer.toString(b.priority()));
        }
        if (m.delayMs() != 0) {
            h.put("Spool-Delay-Ms", Long.toString(m.delayMs()));
        }
        if (m.notBeforeMs() != 0) {
            h.put("Spool-Not-Before", Long.toString(m.notBeforeMs()));
        }
        if (m.ttlMs() != 0) {
            h.put("Spool-Ttl-Ms", Long.toString(m.ttlMs()));
        }
        m.dedupId().ifPresent(d -> h.put("Spool-Dedup-Id", ascii("Spool-Dedup-Id", d)));
        b.traceparent().ifPresent(tp -> h.put("Spool-Traceparent", ascii("Spool-Traceparent", tp)));
        for (Map.Entry<String, String> e : b.headers().entrySet()) {
            h.put(PREFIX + e.getKey(), ascii(PREFIX + e.getKey(), e.getValue()));
        }
        Payload p = b.payload();
        if (p instanceof Payload.FileRegion f) {
            CompletableFuture<Transport.Reply> out = new CompletableFuture<>();
            t.vertx().fileSystem().open(f.file().toString(), new OpenOptions().setRead(true)).onComplete(ar -> {
                if (ar.failed()) {
                    out.completeExceptionally(SpoolException.invalid("payload", "cannot read " + f.file()));
                    return;
                }
                var file = ar.result().setReadPos(f.offset()).setReadLength(f.size());
                t.sendStream(uri, file, f.size(), h).whenComplete((r, e) -> {
                    file.close();
                    if (e != null) {
                        out.completeExceptionally(e);
                    } else {
                        out.complete(r);
                    }
                });
            });
            return out;
        }
        String ct = h.remove("Content-Type");
        return t.send(HttpMethod.POST, uri, Buffer.buffer(p.toBytes()), ct, h, 0);
    }

    private static String ascii(String header, String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c >= 0x7f) {
                throw SpoolException.invalid(header, "raw pushes carry printable ASCII header values only");
            }
        }
        return v;
    }

    static CompletionStage<Optional<Delivery>> pop(Transport t, String uri, PopRequest r) {
        Buffer body = RequestCodec.body(g -> RequestCodec.pop(g, r, false));
        return t.send(HttpMethod.POST, uri, body, "application/json", Map.of("Accept", "application/octet-stream"),
                r.waitMs()).thenApply(reply -> reply.status() == 204 ? Optional.empty() : Optional.of(delivery(reply)));
    }

    private static Delivery delivery(Transport.Reply r) {
        MultiMap h = r.headers();
        String enc = h.get("Spool-Encoded");
        Set<String> encoded = enc == null ? Set.of()
                : Set.of(enc.toLowerCase(Locale.ROOT).replace(" ", "").split(","));
        Map<String, String> app = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : h.entries()) {
            String name = e.getKey();
            if (name.length() > PREFIX.length() && name.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
                app.put(name.substring(PREFIX.length()), decode(name, e.getValue(), encoded));
            }
        }
        String key = h.get("Spool-Key");
        String ct = h.get("Content-Type");
        MessageBody body = new MessageBody(Payload.of(r.body().getBytes()), ct == null ? MessageBody.OCTET_STREAM : ct,
                app, Optional.ofNullable(key == null ? null : decode("Spool-Key", key, encoded)),
                (int) num(h, "Spool-Priority"), Optional.ofNullable(h.get("Spool-Traceparent")));
        String id = h.get("Spool-Id");
        if (id == null) {
            throw SpoolException.internal("raw pop reply without Spool-Id", null);
        }
        return new Delivery(MessageIds.parse(id, "Spool-Id"), (int) num(h, "Spool-Attempts"),
                num(h, "Spool-Enqueued-At"), num(h, "Spool-Lease-Expires-At"), body,
                JsonCodec.receiptTag(h.get("Spool-Receipt")));
    }

    private static long num(MultiMap h, String name) {
        String v = h.get(name);
        try {
            return v == null ? 0 : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw SpoolException.internal("bad " + name + " from the server", e);
        }
    }

    /** Undoes the server's percent-encoding of a header listed in {@code Spool-Encoded}. */
    static String decode(String name, String value, Set<String> encoded) {
        if (!encoded.contains(name.toLowerCase(Locale.ROOT))) {
            return value;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%' && i + 2 < value.length()) {
                out.write(Integer.parseInt(value.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
