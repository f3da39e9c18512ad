package dev.spool.server.push;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A push target for tests of connection handling, on plain sockets so that a test controls the
 * bytes of each answer and when a connection closes: it records every request with the number of
 * the connection it came on and the request's number on that connection, and answers with the raw
 * bytes the test's function gives (or closes the connection without answering when they are null).
 */
final class RawEndpoint implements AutoCloseable {
    /** One request: its connection (from 0), its number on that connection (from 0), headers (lower case), body. */
    record Request(int connection, int onConnection, Map<String, String> headers, String body) {
    }

    private final ServerSocket server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final AtomicInteger connections = new AtomicInteger();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Function<Request, byte[]> answer;

    RawEndpoint(Function<Request, byte[]> answer) throws IOException {
        this.answer = answer;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        pool.execute(this::accept);
    }

    /** An answer with a Content-Length. */
    static byte[] reply(int status, String body, String... headers) {
        StringBuilder b = new StringBuilder("HTTP/1.1 " + status + " X\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").append(body).toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A chunked answer, one chunk per part. */
    static byte[] chunked(int status, String... parts) {
        StringBuilder b = new StringBuilder("HTTP/1.1 " + status + " X\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (String p : parts) {
            b.append(Integer.toHexString(p.length())).append("\r\n").append(p).append("\r\n");
        }
        return b.append("0\r\n\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    /** Connections accepted so far. */
    int connections() {
        return connections.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                int n = connections.getAndIncrement();
                pool.execute(() -> serve(s, n));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, int connection) {
        try (s; InputStream in = new BufferedInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
            for (int i = 0; ; i++) {
                Map<String, String> headers = new TreeMap<>();
                String line = line(in);
                if (line == null) {
                    return;
                }
                while ((line = line(in)) != null && !line.isEmpty()) {
                    int c = line.indexOf(':');
                    headers.put(line.substring(0, c).strip().toLowerCase(Locale.ROOT), line.substring(c + 1).strip());
                }
                if (line == null) {
                    return;
                }
                byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
                Request r = new Request(connection, i, headers, new String(body, StandardCharsets.UTF_8));
                requests.add(r);
                byte[] a = answer.apply(r);
                if (a == null) {
                    return;
                }
                out.write(a);
                out.flush();
            }
        } catch (IOException e) {
            // the client went away: nothing more to serve on this connection
        }
    }

    /** A line without its CRLF, or null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                return null;
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing: nothing to keep
        }
        pool.shutdownNow();
    }
}
