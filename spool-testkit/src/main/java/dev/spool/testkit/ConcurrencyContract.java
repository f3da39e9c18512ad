package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueStats;
import dev.spool.api.Receipts;

/**
 * Several threads pushing and popping at once: with prompt acks every message is delivered exactly
 * once, and keyed messages keep their order with never two of a key in flight.
 */
abstract class ConcurrencyContract extends ContractSupport {
    static final int PRODUCERS = 4;
    static final int CONSUMERS = 4;
    static final int PER_PRODUCER = 2_500;
    static final int BATCH = 50;

    ConcurrencyContract(BrokerContractTest suite) {
        super(suite);
    }

    private List<Delivery> waitPop(String q, int max) {
        return get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, max, LONG_LEASE_MS, u(2))));
    }

    private void runAll(List<Runnable> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Runnable t : tasks) {
                futures.add(pool.submit(t));
            }
            for (Future<?> f : futures) {
                f.get(Math.max(90_000, u(900)), TimeUnit.MILLISECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldDeliverEveryMessageExactlyOnceToConcurrentConsumersThatAckPromptly() throws Exception {
        String q = createQueue(defaults().withVisibilityTimeoutMs(LONG_LEASE_MS));
        int total = PRODUCERS * PER_PRODUCER;
        Map<Long, String> pushed = new ConcurrentHashMap<>();
        Map<Long, String> received = new ConcurrentHashMap<>();
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        List<Runnable> tasks = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            int producer = p;
            tasks.add(() -> produce(q, producer, pushed, problems));
        }
        for (int c = 0; c < CONSUMERS; c++) {
            tasks.add(() -> {
                while (received.size() < total) {
                    List<Delivery> ds = waitPop(q, 100);
                    for (Delivery d : ds) {
                        if (received.putIfAbsent(d.id(), text(d)) != null) {
                            problems.add("delivered twice: " + d.idString() + " attempts " + d.attempts());
                        }
                    }
                    if (!ds.isEmpty()) {
                        Outcomes o = get(broker().ack(q, AckRequest.of(Receipts.of(ds))));
                        if (o.okCount() != ds.size()) {
                            problems.add("ack not ok: " + o);
                        }
                    }
                }
            });
        }

        runAll(tasks);

        assertThat(problems).isEmpty();
        assertThat(pushed).hasSize(total);
        assertThat(received).isEqualTo(pushed);
        assertThat(stats(q)).isEqualTo(QueueStats.EMPTY);
    }

    private void produce(String q, int producer, Map<Long, String> pushed, Queue<String> problems) {
        for (int from = 0; from < PER_PRODUCER; from += BATCH) {
            List<NewMessage> batch = new ArrayList<>(BATCH);
            for (int i = from; i < from + BATCH; i++) {
                batch.add(NewMessage.ofUtf8(producer + "-" + i));
            }
            long[] ids = get(broker().push(q, batch));
            for (int i = 0; i < ids.length; i++) {
                if (pushed.putIfAbsent(ids[i], batch.get(i).body().payload().asUtf8()) != null) {
                    problems.add("id given twice: " + ids[i]);
                }
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldKeepKeyOrderWithOneInFlightPerKeyUnderConcurrentConsumers() throws Exception {
        String q = createQueue();
        int keys = 5;
        int perKey = 40;
        List<NewMessage> all = new ArrayList<>();
        for (int i = 0; i < perKey; i++) {
            for (int k = 0; k < keys; k++) {
                all.add(NewMessage.builder(Integer.toString(i)).key("k" + k).build());
            }
        }
        get(broker().push(q, all));
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        Set<String> inFlight = ConcurrentHashMap.newKeySet();
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicInteger acked = new AtomicInteger();
        List<Runnable> tasks = new ArrayList<>();
        for (int c = 0; c < CONSUMERS; c++) {
            tasks.add(() -> {
                while (acked.get() < keys * perKey) {
                    List<Delivery> ds = waitPop(q, 10);
                    for (Delivery d : ds) {
                        String key = d.body().key().orElseThrow();
                        if (!inFlight.add(key)) {
                            problems.add("two messages of " + key + " in flight");
                        }
                        seen.computeIfAbsent(key, x -> Collections.synchronizedList(new ArrayList<>()))
                                .add(Integer.parseInt(text(d)));
                    }
                    for (Delivery d : ds) {
                        inFlight.remove(d.body().key().orElseThrow());
                        acked.addAndGet(get(broker().ack(q, AckRequest.of(Receipts.of(List.of(d))))).okCount());
                    }
                }
            });
        }

        runAll(tasks);

        assertThat(problems).isEmpty();
        List<Integer> expected = IntStream.range(0, perKey).boxed().toList();
        assertThat(seen).hasSize(keys);
        seen.forEach((key, order) -> assertThat(order).as("order of %s", key).containsExactlyElementsOf(expected));
    }
}
