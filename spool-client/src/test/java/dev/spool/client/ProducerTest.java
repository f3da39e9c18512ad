package dev.spool.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.SpoolException;

/**
 * The batching {@link Producer} against a real server, over {@link PushTransport#HTTP};
 * {@link ProducerOverStreamTest} runs the same cases over the stream.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProducerTest {
    @RegisterExtension
    static final TestServer t = TestServer.perClass();

    /** The transport under test. */
    PushTransport transport() {
        return PushTransport.HTTP;
    }

    /** The defaults on the transport under test. */
    ProducerOptions defaults() {
        return ProducerOptions.DEFAULTS.withTransport(transport());
    }


    @Test
    void shouldStoreMessagesInSendOrderAcrossBatchesWithOneRequestInFlight() {
        List<CompletableFuture<Long>> fs = new ArrayList<>();
        try (Producer p = t.client.producer("ordered", defaults().withMaxBatch(7).withLingerMs(1))) {
            for (int i = 0; i < 500; i++) {
                fs.add(p.send(NewMessage.ofUtf8("m" + i)));
            }
        }
        long previous = 0;
        for (CompletableFuture<Long> f : fs) {
            long id = f.join();
            assertThat(id).isGreaterThan(previous);
            previous = id;
        }
        List<Delivery> ds = SpoolClient.await(t.client.pop("ordered", PopRequest.of(500)));
        assertThat(ds).hasSize(500);
        for (int i = 0; i < 500; i++) {
            assertThat(ds.get(i).body().payload().asUtf8()).isEqualTo("m" + i);
            assertThat(ds.get(i).id()).isEqualTo(fs.get(i).join());
        }
    }

    @Test
    void shouldSendAPartialBatchWhenTheLingerEnds() {
        try (Producer p = t.client.producer("linger", defaults().withMaxBatch(1000).withLingerMs(20))) {
            CompletableFuture<Long> f = p.send(NewMessage.ofUtf8("alone"));
            long id = f.orTimeout(10, TimeUnit.SECONDS).join();
            assertThat(SpoolClient.await(t.client.pop("linger", PopRequest.of(1))).get(0).id()).isEqualTo(id);
        }
    }

    @Test
    void shouldFailEveryFutureOfABatchTheServerRefuses() {
        try (Producer p = t.client.producer("refused", defaults().withMaxBatch(3).withLingerMs(50))) {
            CompletableFuture<Long> good = p.send(NewMessage.ofUtf8("fine"));
            CompletableFuture<Long> bad = p.send(NewMessage.builder("x").priority(42).build());
            assertThatThrownBy(good::get).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(SpoolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
            // the batch's futures fail one after the other: wait for this one too
            assertThatThrownBy(bad::get).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(SpoolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        } catch (SpoolException e) {
            assertThat(e.code()).as("close reports the failed batch").isEqualTo(ErrorCode.INVALID_ARGUMENT);
        }
        assertThatThrownBy(() -> SpoolClient.await(t.client.getQueue("refused")))
                .isInstanceOfSatisfying(SpoolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.QUEUE_NOT_FOUND));
    }

    @Test
    void shouldBlockSendWhileTheBufferIsFullUntilTheBatchIsAnswered() throws Exception {
        // a server that accepts the connection and never answers keeps the first batch in flight
        try (ServerSocket silent = new ServerSocket(0);
                SpoolClient c = SpoolClient.connect("http://127.0.0.1:" + silent.getLocalPort())) {
            List<Socket> accepted = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException e) {
                    // closed by the test
                }
            });
            acceptor.start();
            Producer p = c.producer("full", new ProducerOptions(5, 60_000, 5, 0, 1).withTransport(transport())
                    .withReconnect(2, 30_000));
            List<CompletableFuture<Long>> first = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                first.add(p.send(NewMessage.ofUtf8("b" + i))); // the fifth fills the batch: sent
            }
            AtomicReference<CompletableFuture<Long>> sixth = new AtomicReference<>();
            Thread sender = new Thread(() -> sixth.set(p.send(NewMessage.ofUtf8("b5"))));
            sender.start();

            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> sender.getState() == Thread.State.WAITING);
            assertThat(first).noneMatch(CompletableFuture::isDone);

            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> !accepted.isEmpty());
            // the request (HTTP) or the upgrade (stream) fails: its messages leave the buffer; over
            // the stream the producer opens new sockets first (closed too), then gives up
            silent.close();
            for (Socket s : accepted) {
                s.close();
            }
            sender.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(sender.isAlive()).isFalse();
            assertThat(first).allMatch(CompletableFuture::isCompletedExceptionally);
            assertThat(sixth.get()).isNotNull();
        }
    }

    @Test
    void shouldRefuseSendsAfterClose() {
        Producer p = t.client.producer("closed", defaults());
        p.close();
        assertThatThrownBy(() -> p.send(NewMessage.ofUtf8("late")))
                .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    }
}
