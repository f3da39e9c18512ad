package dev.spool.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

/**
 * One request/reply over {@link HttpURLConnection}, for a plain-HTTP base URL in a short-lived
 * process: unlike {@code java.net.http.HttpClient}, it sets up no TLS context (the JDK's security
 * providers and CA certificates, some 300 classes) and no selector thread, which is most of what a
 * one-call {@code spool} command spends starting. Each call runs on its own daemon thread, so the
 * caller (an event loop, say) never blocks; keep-alive connections are reused by the JDK.
 */
final class PlainHttp {
    private PlainHttp() {
    }

    static CompletableFuture<Transport.Reply> send(URI url, HttpMethod method, Buffer body, String contentType,
            Map<String, String> headers, long connectTimeoutMs, long timeoutMs) {
        CompletableFuture<Transport.Reply> out = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                out.complete(exchange(url, method, body, contentType, headers, connectTimeoutMs, timeoutMs));
            } catch (IOException | RuntimeException e) {
                out.completeExceptionally(e);
            }
        }, "spool-http");
        t.setDaemon(true);
        t.start();
        return out;
    }

    private static Transport.Reply exchange(URI url, HttpMethod method, Buffer body, String contentType,
            Map<String, String> headers, long connectTimeoutMs, long timeoutMs) throws IOException {
        HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection();
        c.setRequestMethod(method.name());
        c.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeoutMs));
        c.setReadTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs));
        c.setUseCaches(false);
        c.setInstanceFollowRedirects(false);
        if (contentType != null) {
            c.setRequestProperty("Content-Type", contentType);
        }
        for (Map.Entry<String, String> h : headers.entrySet()) {
            c.setRequestProperty(h.getKey(), h.getValue());
        }
        if (body != null) {
            byte[] bytes = body.getBytes();
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(bytes.length);
            try (OutputStream os = c.getOutputStream()) {
                os.write(bytes);
            }
        }
        int status = c.getResponseCode();
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        for (Map.Entry<String, List<String>> e : c.getHeaderFields().entrySet()) {
            if (e.getKey() != null) {
                for (String v : e.getValue()) {
                    h.add(e.getKey(), v);
                }
            }
        }
        InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (in != null) {
            try (in) {
                in.transferTo(bytes);
            }
        }
        return new Transport.Reply(status, h, Buffer.buffer(bytes.toByteArray()));
    }
}
