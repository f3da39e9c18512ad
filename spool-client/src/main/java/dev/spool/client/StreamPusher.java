package dev.spool.client;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.UpgradeRejectedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * The {@link PushTransport#STREAM} side of a {@link Producer}: one {@code /v1/stream} WebSocket
 * carrying its batches as {@code push} frames. Frames are written in the order batches are given
 * (the server applies the frames of one socket in arrival order), without waiting for earlier
 * confirmations; each confirmation comes back by {@code req}.
 *
 * <p>Isolates the socket's life: when the socket is lost, every batch not confirmed yet is sent
 * again, in order, on a new socket (at least once: a batch whose confirmation was lost with the
 * socket is stored twice). After {@link ProducerOptions#maxReconnects()} lost or unopenable
 * sockets in a row without a confirmation in between, or {@link ProducerOptions#reconnectTimeoutMs()}
 * without a socket, the unconfirmed batches fail with {@code unavailable}; the next batch starts
 * afresh; an upgrade refused with {@code 401} or {@code 403} fails them at once with that code.
 * The socket is opened lazily, by the first batch after a loss or at the start.
 *
 * <p>A socket that stays open but answers nothing is treated as lost: when a batch written to it has
 * waited {@link ClientOptions#requestTimeoutMs()} for its confirmation, the socket is closed and the
 * unconfirmed batches go to a new one (and count towards giving up), so no future waits forever.
 *
 * <p>Futures are completed outside this class's lock: a caller's callback may send again.
 */
final class StreamPusher implements StreamSocket.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(StreamPusher.class);
    private static final long MAX_BACKOFF_MS = 2_000;

    private final SpoolClient client;
    private final String queue;
    private final ProducerOptions options;
    private final Consumer<Producer.Batch> finished;
    private final Object lock = new Object();
    /** Batches sent or waiting to be sent, neither confirmed nor failed, in send order. */
    private final Set<Entry> unconfirmed = new LinkedHashSet<>();
    private StreamSocket socket;
    private boolean connecting;
    private boolean closed;
    /** Sockets lost or not opened since the last confirmation. */
    private int lostInRow;
    /** When the first of those was lost (0: none). */
    private long lostSince;
    private Throwable lastLoss;
    /** The periodic check for batches waiting too long for a reply (-1: not started). */
    private long watchdog = -1;
    /** Messages sent again on a new socket (each may be stored twice). */
    private final java.util.concurrent.atomic.AtomicLong resent = new java.util.concurrent.atomic.AtomicLong();

    /** A batch and how often the server refused it as retryable. Identity equality. */
    private static final class Entry {
        final Producer.Batch batch;
        int attempt;
        boolean retryWaiting;
        /** Written to a socket once already: sending it again may store it twice. */
        boolean sentBefore;
        /** When it was last written to a socket (ms since the epoch). */
        long sentAt;

        Entry(Producer.Batch batch) {
            this.batch = batch;
        }
    }

    StreamPusher(SpoolClient client, String queue, ProducerOptions options, Consumer<Producer.Batch> finished) {
        this.client = client;
        this.queue = queue;
        this.options = options;
        this.finished = finished;
    }

    /** Sends a batch: at once on an open socket, else once a socket is open. Keeps the call order. */
    void send(Producer.Batch b) {
        Entry e = new Entry(b);
        synchronized (lock) {
            unconfirmed.add(e);
            StreamSocket s = socket;
            if (s != null && s.isOpen()) {
                write(s, e);
            } else {
                connect();
            }
        }
    }

    /** Messages sent again on a new socket after theirs was lost before confirming them. */
    long resentMessages() {
        return resent.get();
    }

    /** Closes the socket; call once every batch is answered. */
    void close() {
        StreamSocket s;
        long timer;
        synchronized (lock) {
            closed = true;
            s = socket;
            socket = null;
            timer = watchdog;
            watchdog = -1;
        }
        if (timer >= 0) {
            client.transport().vertx().cancelTimer(timer);
        }
        if (s != null) {
            s.close();
        }
    }

    /** Writes a batch's frame; call with the lock held so that frames leave in order. */
    private void write(StreamSocket s, Entry e) {
        e.sentBefore = true;
        e.sentAt = System.currentTimeMillis();
        s.request("push", g -> {
            g.writeStringField("queue", queue);
            JsonCodec.writeMessages(g, e.batch.messages());
        }).whenComplete((ok, err) -> replied(s, e, ok, err));
    }

    private void replied(StreamSocket s, Entry e, JsonNode ok, Throwable err) {
        if (err == null) {
            synchronized (lock) {
                if (!unconfirmed.remove(e)) {
                    return;
                }
                lostInRow = 0;
                lostSince = 0;
            }
            long[] ids = JsonCodec.ids(ok);
            for (int i = 0; i < ids.length; i++) {
                e.batch.futures().get(i).complete(ids[i]);
            }
            finished.accept(e.batch);
            return;
        }
        if (StreamSocket.isLost(err)) {
            // resent on the next socket; a write that failed on a socket still open closes it first
            s.close();
            return;
        }
        SpoolException cause = SpoolClient.unwrap(err);
        if (e.attempt < options.maxRetries() && Transport.isServerRetryable(cause)) {
            long delay = cause.retryAfterMs().orElse(100L << Math.min(e.attempt, 6));
            synchronized (lock) {
                e.attempt++;
                e.retryWaiting = true;
            }
            client.transport().vertx().setTimer(Math.max(1, delay), id -> retry(e));
            return;
        }
        synchronized (lock) {
            if (!unconfirmed.remove(e)) {
                return;
            }
        }
        fail(List.of(e), cause);
    }

    private void retry(Entry e) {
        synchronized (lock) {
            e.retryWaiting = false;
            if (!unconfirmed.contains(e)) {
                return;
            }
            StreamSocket s = socket;
            if (s != null && s.isOpen()) {
                write(s, e);
            } else {
                connect();
            }
        }
    }

    /** Opens a socket unless one is being opened; gives up past the bounds. Call with the lock held. */
    private void connect() {
        if (connecting || closed && unconfirmed.isEmpty()) {
            return;
        }
        long now = System.currentTimeMillis();
        if (lostInRow > options.maxReconnects()
                || lostSince != 0 && now - lostSince >= options.reconnectTimeoutMs()) {
            giveUp(now);
            return;
        }
        connecting = true;
        long delay = lostInRow == 0 ? 0 : Math.min(MAX_BACKOFF_MS, 50L << Math.min(lostInRow - 1, 10));
        if (delay == 0) {
            open();
        } else {
            client.transport().vertx().setTimer(delay, id -> open());
        }
    }

    private void open() {
        StreamSocket.open(client.transport(), this).whenComplete(this::opened);
    }

    private void opened(StreamSocket s, Throwable e) {
        boolean closeIt = false;
        synchronized (lock) {
            connecting = false;
            SpoolException refused = e == null ? null : refusal(e);
            if (refused != null) {
                // a refused identity stays refused: fail now rather than after every reconnect
                List<Entry> all = new ArrayList<>(unconfirmed);
                unconfirmed.clear();
                lostInRow = 0;
                lostSince = 0;
                client.transport().vertx().runOnContext(v -> fail(all, refused));
                return;
            }
            if (e != null) {
                lost(e);
                connect();
                return;
            }
            if (closed && unconfirmed.isEmpty()) {
                closeIt = true;
            } else {
                socket = s;
                if (watchdog < 0) {
                    long period = Math.max(50, Math.min(1_000, client.options().requestTimeoutMs() / 4));
                    watchdog = client.transport().vertx().setPeriodic(period, id -> checkReplies());
                }
                for (Entry u : unconfirmed) {
                    if (!u.retryWaiting) {
                        if (u.sentBefore) {
                            resent.addAndGet(u.batch.messages().size());
                        }
                        write(s, u);
                    }
                }
            }
        }
        if (closeIt) {
            s.close();
        }
    }

    /** Closes the socket if a batch written to it has waited longer than the request timeout. */
    private void checkReplies() {
        StreamSocket stale = null;
        long waited = 0;
        synchronized (lock) {
            long timeout = client.options().requestTimeoutMs();
            long now = System.currentTimeMillis();
            if (socket != null) {
                for (Entry u : unconfirmed) {
                    if (!u.retryWaiting && u.sentAt != 0 && now - u.sentAt > timeout) {
                        stale = socket;
                        waited = now - u.sentAt;
                        break;
                    }
                }
            }
        }
        if (stale != null) {
            LOG.warn("no confirmation on the stream to {} for {} ms; sending the unconfirmed batches on a new socket",
                    queue, waited);
            stale.close();
        }
    }

    /** The server's {@code 401} or {@code 403} to the upgrade, as that error; else null. */
    private static SpoolException refusal(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof UpgradeRejectedException u && (u.getStatus() == 401 || u.getStatus() == 403)) {
                ErrorCode code = u.getStatus() == 401 ? ErrorCode.UNAUTHORIZED : ErrorCode.FORBIDDEN;
                return new SpoolException(code, "the server refused the stream with " + u.getStatus());
            }
        }
        return null;
    }

    private void lost(Throwable e) {
        lostInRow++;
        lastLoss = e;
        if (lostSince == 0) {
            lostSince = System.currentTimeMillis();
        }
    }

    /** Fails every unconfirmed batch; the next batch tries again from scratch. Lock held. */
    private void giveUp(long now) {
        List<Entry> all = new ArrayList<>(unconfirmed);
        unconfirmed.clear();
        String why = lostInRow > options.maxReconnects()
                ? lostInRow + " stream sockets in a row were lost or could not be opened"
                : "no stream socket for " + (now - lostSince) + " ms";
        SpoolException error = SpoolException.unavailable("gave up pushing to " + queue + ": " + why + "; "
                + "the unconfirmed messages may or may not be stored", lastLoss);
        lostInRow = 0;
        lostSince = 0;
        lastLoss = null;
        LOG.warn("{}", error.getMessage());
        // completed off the lock, on the event loop: a callback may send again
        client.transport().vertx().runOnContext(v -> fail(all, error));
    }

    /** Fails batches already taken out of {@link #unconfirmed}; call without the lock. */
    private void fail(List<Entry> entries, SpoolException cause) {
        for (Entry e : entries) {
            for (CompletableFuture<Long> f : e.batch.futures()) {
                f.completeExceptionally(cause);
            }
            finished.accept(e.batch);
        }
    }

    @Override
    public void onClosed(StreamSocket s) {
        synchronized (lock) {
            if (socket != s) {
                return;
            }
            socket = null;
            if (unconfirmed.isEmpty()) {
                return; // reopened by the next batch
            }
            lost(SpoolException.unavailable("stream socket closed", null));
            connect();
        }
    }

    @Override
    public void onMessages(StreamSocket s, List<Delivery> messages) {
        LOG.debug("ignoring deliveries on a producer's stream");
    }

    @Override
    public void onSubscriptionEnded(StreamSocket s, String sub, SpoolException error) {
        LOG.debug("ignoring the end of subscription {} on a producer's stream", sub);
    }
}
