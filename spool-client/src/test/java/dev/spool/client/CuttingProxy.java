package dev.spool.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on an ephemeral port of 127.0.0.1 forwarding to a target port, whose open
 * connections the test cuts at will ({@link #cut()}): both sides are closed at once, so bytes in
 * flight are lost, as when a network path breaks; or freezes at will ({@link #freeze()}): the open
 * connections stay open but what the target sends on them is dropped, as with a peer that hangs.
 */
final class CuttingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int target;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    /** The target's side of each open connection. */
    private final List<Socket> upstream = new CopyOnWriteArrayList<>();
    /** Target sides whose bytes are dropped. */
    private final java.util.Set<Socket> frozen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;

    CuttingProxy(int target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofPlatform().daemon().name("proxy-accept").start(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Connections accepted since the start. */
    int accepted() {
        return accepted.get();
    }

    /** Closes every open connection, both sides. */
    void cut() {
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException e) {
                // closing: nothing more to lose
            }
        }
        open.clear();
    }

    /** From now on, drops what the target sends on the connections open now (new ones pass). */
    void freeze() {
        frozen.addAll(upstream);
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket in = listener.accept();
                Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                in.setTcpNoDelay(true);
                out.setTcpNoDelay(true);
                open.add(in);
                open.add(out);
                upstream.add(out);
                accepted.incrementAndGet();
                pipe(in, out);
                pipe(out, in);
            } catch (IOException e) {
                return; // the listener was closed
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread.ofPlatform().daemon().name("proxy-pipe").start(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream i = from.getInputStream(); OutputStream o = to.getOutputStream()) {
                int n;
                while ((n = i.read(buf)) > 0) {
                    if (!frozen.contains(from)) {
                        o.write(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                // cut or closed: end this direction
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException e) {
                    // already closed
                }
            }
        });
    }

    @Override
    public void close() throws IOException {
        listener.close();
        cut();
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
