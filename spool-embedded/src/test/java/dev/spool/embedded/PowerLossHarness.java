package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.BrowseRequest;
import dev.spool.api.Delivery;
import dev.spool.api.GroupSpec;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.NackRequest;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.StartPosition;
import dev.spool.api.TxOp;
import dev.spool.api.TxResult;
import dev.spool.testkit.PowerLossFileSystem;

/**
 * Drives the journal engine through a random workload with many requests in flight, cuts the
 * power at a random moment through a {@link PowerLossFileSystem}, reopens, and checks the state
 * against a model of every reply: each confirmed push present exactly once in each group that has
 * not acked it, each confirmed ack never undone, transactions all or nothing, every payload
 * readable and intact, nothing present that was never pushed; lock tokens never reissued, confirmed
 * holders and state documents kept ({@link PowerLossLocks}). Replies that did not arrive (or
 * failed) are unknown; the check after the cut decides them and the model takes the outcome.
 *
 * <p>Segments of 4 KiB and snapshots every 4 KiB make segment rolls, snapshots, compaction and
 * segment deletion happen in every round. One data directory lives through all rounds, so
 * recovery also recovers journals that recovery wrote.
 */
final class PowerLossHarness {
    private static final String Q = "p";
    private static final String Q2 = "p2";
    private static final String G2 = "g2";
    private static final List<String> GROUPS_OF_Q = List.of("default", G2);

    private final Path dir;
    private final Random random;
    private final FsyncPolicy fsync;
    private final boolean ignoreForces;
    private final Object modelLock = new Object();

    /** Pushes whose reply confirmed them: tag → id, per queue. */
    private final Map<String, Long> confirmed = new HashMap<>();
    private final Map<String, String> queueOf = new HashMap<>();
    /** Pushes sent whose outcome is unknown. */
    private final Set<String> maybePushed = new HashSet<>();
    /** "group/tag" of confirmed acks, and of acks whose outcome is unknown. */
    private final Set<String> acked = new HashSet<>();
    private final Set<String> maybeAcked = new HashSet<>();
    /** Transactions whose outcome is unknown: {ack key, pushed tag}. */
    private final List<String[]> maybeTx = new ArrayList<>();
    /** Leases held in this round: "group/tag" → delivery. */
    private final Map<String, Delivery> leases = new LinkedHashMap<>();
    private final List<CompletableFuture<?>> inFlight = new ArrayList<>();
    private int nextTag;
    /** Engine time: moves only between calls, so leases cannot expire while a check reads the state. */
    private final java.util.concurrent.atomic.AtomicLong clock =
            new java.util.concurrent.atomic.AtomicLong(System.currentTimeMillis());
    /** What happened to each tag, for the failure message. */
    private final Map<String, List<String>> history = new HashMap<>();
    long confirmedOps;
    /** Locks in the same workload: acquire, keepalive, state writes, release. */
    final PowerLossLocks locks;
    long rounds;
    long bytesDropped;
    long tornWrites;
    long entriesUndone;
    long rotted;

    PowerLossHarness(Path dir, long seed, FsyncPolicy fsync, boolean ignoreForces) {
        this.dir = dir;
        this.random = new Random(seed);
        this.fsync = fsync;
        this.ignoreForces = ignoreForces;
        this.locks = new PowerLossLocks(modelLock, random, clock::get);
    }

    private EmbeddedConfig config() {
        return EmbeddedConfig.journal(dir.resolve("data")).withFsync(fsync).withSegmentBytes(4096)
                .withSnapshotEveryBytes(4096).withPayloadCacheBytes(random.nextBoolean() ? 0 : 1 << 16);
    }

    /** One life of the engine: open and check, run a workload, cut the power in the middle of it. */
    void round() throws Exception {
        PowerLossFileSystem fs = new PowerLossFileSystem(dir.resolve("trash"));
        fs.ignoreForces(ignoreForces);
        clock.addAndGet(random.nextInt(3_000));
        if (rounds > 0 && random.nextInt(8) == 0) {
            rotOneByte();
        }
        EmbeddedBroker b;
        try {
            b = EmbeddedBroker.open(config(), BrokerSettings.DEFAULTS, clock::get, PowerLossHarnessFiles.of(fs));
        } catch (dev.spool.api.SpoolException e) {
            throw new AssertionError("round " + rounds + ": recovery refused to open: " + e.getMessage(), e);
        }
        try {
            check(b, "round " + rounds);
            if (rounds == 0) {
                get(b.putQueue(Q, QueueConfig.DEFAULTS.withMaxAttempts(0).withVisibilityTimeoutMs(2_000)));
                get(b.putQueue(Q2, QueueConfig.DEFAULTS.withMaxAttempts(0)));
                get(b.putGroup(Q, G2, new GroupSpec(new StartPosition.Earliest())));
            }
            leases.clear();
            int ops = 20 + random.nextInt(300);
            if (random.nextInt(4) != 0) {
                fs.cutAfter(random.nextInt(ops / 4 + 1), random);
            }
            Semaphore window = new Semaphore(1 + random.nextInt(32));
            for (int i = 0; i < ops && !fs.isCut(); i++) {
                if (!window.tryAcquire(10, TimeUnit.SECONDS)) {
                    throw new AssertionError("no reply within 10 s with the power on");
                }
                clock.addAndGet(random.nextInt(3));
                CompletableFuture<?> f = next(b);
                f.whenComplete((v, e) -> window.release());
                synchronized (modelLock) {
                    inFlight.add(f);
                }
            }
            if (!fs.isCut() && random.nextBoolean()) {
                // let some replies arrive first; otherwise the power goes while the writer is busy
                for (CompletableFuture<?> f : snapshotInFlight()) {
                    if (random.nextInt(4) == 0) {
                        break;
                    }
                    f.handle((v, e) -> null).get(10, TimeUnit.SECONDS);
                }
                List<String> problems = new ArrayList<>();
                try {
                    b.onEngine(() -> problems.addAll(StateInvariants.problems(b.engine().sm))).get(30,
                            TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    // the armed cut came first: the reply could not be made durable
                }
                assertThat(problems).as("round %d (live, before the cut): state invariants", rounds).isEmpty();
            }
            PowerLossFileSystem.Cut cut = fs.cut(random);
            bytesDropped += cut.bytesDropped();
            tornWrites += cut.tornWrites();
            entriesUndone += cut.entriesUndone();
        } finally {
            b.close();
        }
        for (CompletableFuture<?> f : snapshotInFlight()) {
            try {
                f.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                // an unknown outcome, decided by the next check
            }
        }
        synchronized (modelLock) {
            inFlight.clear();
        }
        rounds++;
    }

    /**
     * Bit rot in acknowledged data: flips a byte inside the first record of the last segment when a
     * whole record follows it, checks that the open refuses (naming the file and offset) instead of
     * truncating acknowledged records as a torn tail, then restores the byte.
     */
    private void rotOneByte() throws IOException {
        Path journal = dir.resolve("data").resolve("journal");
        List<Long> segs = Segments.list(journal);
        if (segs.isEmpty()) {
            return;
        }
        Path seg = Segments.path(journal, segs.get(segs.size() - 1));
        try (FileChannel ch = FileChannel.open(seg, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (size < Segments.HEADER + 8) {
                return;
            }
            java.nio.ByteBuffer len = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(len, Segments.HEADER);
            int first = len.getInt(0);
            long second = Segments.HEADER + (long) first;
            if (first < RecordType.FRAME || second + 4 > size) {
                return;
            }
            len.clear();
            ch.read(len, second);
            if (new SegmentReader(ch, second).next() == null) {
                // a torn tail the next open will cut: damage right before it looks the same, so
                // only a record followed by a whole, valid one is a fair test
                return;
            }
            long at = Segments.HEADER + 13 + random.nextInt(first - 13);
            long segNo = segs.get(segs.size() - 1);
            if (newestSnapshot() >= JournalPos.of(segNo, Segments.HEADER)) {
                return; // recovery starts after this record: it is never read back at the open
            }
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            ch.read(one, at);
            byte was = one.get(0);
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) (was ^ 0x40)}), at);
            try {
                EmbeddedBroker.open(config(), BrokerSettings.DEFAULTS, clock::get).close();
                throw new AssertionError("round " + rounds + ": a flipped byte at " + seg.getFileName() + ":" + at
                        + " inside a record followed by valid ones was accepted (treated as a torn tail?)");
            } catch (dev.spool.api.SpoolException e) {
                assertThat(e.getMessage()).as("the refusal names the file and offset")
                        .contains(seg.getFileName().toString()).contains("offset " + Segments.HEADER);
            }
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {was}), at);
            rotted++;
        }
    }

    private long newestSnapshot() throws IOException {
        long newest = -1;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir.resolve("data").resolve("snapshots"))) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String n = p.getFileName().toString();
                if (n.endsWith(Journal.SNAPSHOT_SUFFIX)) {
                    newest = Math.max(newest, Long.parseUnsignedLong(n.substring(0, n.indexOf('.')), 16));
                }
            }
        }
        return newest;
    }

    /** Opens the directory once more and checks it; the end of a run. */
    void finalCheck() {
        try (EmbeddedBroker b = EmbeddedBroker.open(config(), BrokerSettings.DEFAULTS, clock::get)) {
            check(b, "final open");
        }
    }

    private List<CompletableFuture<?>> snapshotInFlight() {
        synchronized (modelLock) {
            return new ArrayList<>(inFlight);
        }
    }

    // ---- the workload ----

    private CompletableFuture<?> next(EmbeddedBroker b) {
        int r = random.nextInt(100);
        synchronized (modelLock) {
            if (random.nextInt(100) < 15) {
                return locks.next(b);
            }
            if (r < 35 || leases.isEmpty() && r >= 60) {
                return push(b, r < 30 ? Q : Q2, 1 + random.nextInt(8));
            }
            if (r < 60) {
                String g = r < 48 ? "default" : G2;
                return pop(b, g);
            }
            if (r < 85) {
                return ack(b);
            }
            if (r < 92) {
                return nack(b);
            }
            return tx(b);
        }
    }

    private String payload(String tag) {
        return tag + ":" + "x".repeat(random.nextInt(400));
    }

    private static String tagOf(String payload) {
        int c = payload.indexOf(':');
        return c < 0 ? payload : payload.substring(0, c);
    }

    private CompletableFuture<?> push(EmbeddedBroker b, String queue, int n) {
        List<String> tags = new ArrayList<>();
        List<NewMessage> ms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String t = "t" + nextTag++;
            tags.add(t);
            ms.add(NewMessage.ofUtf8(payload(t)));
            maybePushed.add(t);
            queueOf.put(t, queue);
            note(t, "push sent " + queue);
        }
        return cf(b.push(queue, ms)).thenAccept(ids -> {
            synchronized (modelLock) {
                for (int i = 0; i < tags.size(); i++) {
                    confirm(tags.get(i), ids[i]);
                }
            }
        });
    }

    private void note(String tag, String what) {
        history.computeIfAbsent(tag, k -> new ArrayList<>()).add("r" + rounds + ":" + what);
    }

    private void confirm(String tag, long id) {
        Long was = confirmed.put(tag, id);
        assertThat(was == null || was == id).as("id of %s changed", tag).isTrue();
        maybePushed.remove(tag);
        confirmedOps++;
    }

    private CompletableFuture<?> pop(EmbeddedBroker b, String group) {
        return cf(b.pop(Q, new PopRequest(group, 1 + random.nextInt(10), 2_000, 0))).thenAccept(ds -> {
            synchronized (modelLock) {
                for (Delivery d : ds) {
                    String tag = tagOf(d.body().payload().asUtf8());
                    note(tag, "popped " + group + " " + d.receipt());
                    // a confirmed pop is behind its push in the journal: the push is durable too
                    confirm(tag, d.id());
                    leases.put(group + "/" + tag, d);
                }
            }
        });
    }

    private List<String> takeLeases(int max, String group) {
        List<String> keys = new ArrayList<>();
        for (String k : leases.keySet()) {
            if (keys.size() < max && (group == null || k.startsWith(group + "/"))) {
                keys.add(k);
            }
        }
        return keys;
    }

    private CompletableFuture<?> ack(EmbeddedBroker b) {
        String group = random.nextBoolean() ? "default" : G2;
        List<String> keys = takeLeases(1 + random.nextInt(6), group);
        if (keys.isEmpty()) {
            return pop(b, group);
        }
        List<Delivery> ds = new ArrayList<>();
        for (String k : keys) {
            ds.add(leases.remove(k));
            maybeAcked.add(k);
            note(k.substring(k.indexOf('/') + 1), "ack sent " + k);
        }
        AckRequest req = new AckRequest(group, Receipts.of(ds), java.util.Optional.empty());
        // half of them as a stream ack frame without req sends them: their reply may wait for a later force
        return cf(random.nextBoolean() ? b.ack(Q, req) : b.ackUnawaited(Q, req)).thenAccept(o -> {
            synchronized (modelLock) {
                for (int i = 0; i < keys.size(); i++) {
                    assertThat(o.get(i)).as("ack of a fresh lease %s", keys.get(i)).isEqualTo(ReceiptOutcome.OK);
                    maybeAcked.remove(keys.get(i));
                    acked.add(keys.get(i));
                    note(keys.get(i).substring(keys.get(i).indexOf('/') + 1), "ack ok " + keys.get(i));
                    confirmedOps++;
                }
            }
        });
    }

    private CompletableFuture<?> nack(EmbeddedBroker b) {
        List<String> keys = takeLeases(1, null);
        if (keys.isEmpty()) {
            return pop(b, "default");
        }
        String k = keys.get(0);
        Delivery d = leases.remove(k);
        String group = k.substring(0, k.indexOf('/'));
        note(k.substring(k.indexOf('/') + 1), "nack sent " + k);
        return cf(b.nack(Q, new NackRequest(group, Receipts.of(List.of(d)), java.util.OptionalLong.of(0),
                java.util.Optional.empty()))).thenAccept(o -> {
                    synchronized (modelLock) {
                        confirmedOps++;
                    }
                });
    }

    private CompletableFuture<?> tx(EmbeddedBroker b) {
        List<String> keys = takeLeases(1, "default");
        if (keys.isEmpty()) {
            return pop(b, "default");
        }
        String k = keys.get(0);
        Delivery d = leases.remove(k);
        String t = "t" + nextTag++;
        maybePushed.add(t);
        queueOf.put(t, Q2);
        maybeAcked.add(k);
        String[] pending = {k, t};
        maybeTx.add(pending);
        CompletionStage<TxResult> s = b.transact(List.of(
                new TxOp.Ack(Q, AckRequest.of(Receipts.of(List.of(d)))),
                new TxOp.Push(Q2, List.of(NewMessage.ofUtf8(payload(t))))));
        return cf(s).thenAccept(r -> {
            synchronized (modelLock) {
                maybeAcked.remove(k);
                acked.add(k);
                confirm(t, r.pushedIds().get(1)[0]);
                maybeTx.remove(pending);
            }
        });
    }

    private static <T> CompletableFuture<T> cf(CompletionStage<T> s) {
        return s.toCompletableFuture();
    }

    // ---- the check ----

    /** What each group of each queue holds: "queue/group" → tag → count, and tag → id. */
    static void checkInvariants(EmbeddedBroker b, String when) {
        List<String> problems = new ArrayList<>();
        get(b.onEngine(() -> problems.addAll(StateInvariants.problems(b.engine().sm))));
        assertThat(problems).as("%s: state invariants", when).isEmpty();
    }

    private void check(EmbeddedBroker b, String when) {
        checkInvariants(b, when + " (after recovery)");
        locks.check(b, when);
        Map<String, Map<String, Integer>> held = new HashMap<>();
        Map<String, Long> ids = new HashMap<>();
        boolean exists = get(b.listQueues()).stream().anyMatch(q -> q.name().equals(Q));
        if (exists) {
            for (String g : GROUPS_OF_Q) {
                held.put(g, dump(b, Q, g, ids, when));
            }
            held.put(Q2, dump(b, Q2, "default", ids, when));
        }
        synchronized (modelLock) {
            decideUnknowns(held, ids, when);
            for (Map.Entry<String, Long> e : confirmed.entrySet()) {
                String tag = e.getKey();
                for (String g : groupsOf(tag)) {
                    int n = held.getOrDefault(g, Map.of()).getOrDefault(tag, 0);
                    if (acked.contains(g + "/" + tag)) {
                        assertThat(n).as("%s: acked %s came back in %s", when, tag, g).isZero();
                    } else {
                        if (n != 1) {
                            String view;
                            try {
                                view = String.valueOf(b.getMessage(queueOf.get(tag), e.getValue(), new dev.spool.api
                                        .MessageQuery(g.equals(Q2) ? "default" : g, 0)).toCompletableFuture()
                                        .get(10, TimeUnit.SECONDS));
                            } catch (Exception x) {
                                view = x.toString();
                            }
                            throw new AssertionError(when + ": confirmed push " + tag + " held " + n + " times in "
                                    + g + " (history " + history.get(tag) + ", view " + view + ")");
                        }
                        assertThat(ids.get(tag)).as("%s: id of %s", when, tag).isEqualTo(e.getValue());
                    }
                }
            }
            for (Map.Entry<String, Map<String, Integer>> g : held.entrySet()) {
                for (Map.Entry<String, Integer> t : g.getValue().entrySet()) {
                    assertThat(t.getValue()).as("%s: %s held %d times in %s", when, t.getKey(), t.getValue(),
                            g.getKey()).isEqualTo(1);
                    assertThat(confirmed).as("%s: %s in %s was never pushed", when, t.getKey(), g.getKey())
                            .containsKey(t.getKey());
                }
            }
        }
    }

    private List<String> groupsOf(String tag) {
        return queueOf.get(tag).equals(Q) ? GROUPS_OF_Q : List.of(Q2);
    }

    private static boolean present(Map<String, Map<String, Integer>> held, String g, String tag) {
        return held.getOrDefault(g, Map.of()).containsKey(tag);
    }

    /** Unknown outcomes take the outcome the recovered state shows; transactions must agree with themselves. */
    private void decideUnknowns(Map<String, Map<String, Integer>> held, Map<String, Long> ids, String when) {
        for (String[] tx : maybeTx) {
            String tag = tx[0].substring(tx[0].indexOf('/') + 1);
            boolean ackApplied = !present(held, "default", tag);
            boolean pushApplied = present(held, Q2, tx[1]);
            assertThat(pushApplied).as("%s: transaction (ack %s, push %s) applied in part", when, tx[0], tx[1])
                    .isEqualTo(ackApplied);
        }
        maybeTx.clear();
        for (String tag : new ArrayList<>(maybePushed)) {
            for (String g : groupsOf(tag)) {
                if (present(held, g, tag)) {
                    confirm(tag, ids.get(tag));
                    break;
                }
            }
        }
        maybePushed.clear();
        for (String key : maybeAcked) {
            String g = key.substring(0, key.indexOf('/'));
            String tag = key.substring(key.indexOf('/') + 1);
            if (!present(held, g, tag)) {
                acked.add(key);
                note(tag, "unknown ack decided applied " + key);
            }
        }
        maybeAcked.clear();
    }

    /**
     * What a group holds (ready, delayed, blocked or leased), read in one engine task so that no
     * timer fires between two reads, with every payload read back through the journal.
     */
    private Map<String, Integer> dump(EmbeddedBroker b, String queue, String group, Map<String, Long> ids,
            String when) {
        Map<String, Integer> out = new HashMap<>();
        List<String> bad = new ArrayList<>();
        get(b.onEngine(() -> {
            QueueState q = b.engine().sm.queues.get(queue);
            GroupState g = q.group(group);
            java.util.function.Consumer<Entry> visit = e -> {
                if (e.isTerminal()) {
                    return;
                }
                String payload = b.engine().wal.body(e.msg()).payload().asUtf8();
                String tag = tagOf(payload);
                if (!payload.matches(tag + ":x*")) {
                    bad.add(tag);
                }
                out.merge(tag, 1, Integer::sum);
                ids.put(tag, e.id());
            };
            if (g.isDefault()) {
                q.msgs.forEachValue(visit::accept);
            } else {
                g.entries.forEachValue(visit::accept);
            }
        }));
        assertThat(bad).as("%s: payloads intact", when).isEmpty();
        return out;
    }

    private static <T> T get(CompletionStage<T> s) {
        try {
            return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("a call on the reopened engine failed: " + e, e);
        }
    }
}
