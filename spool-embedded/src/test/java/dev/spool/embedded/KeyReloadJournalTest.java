package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateWrite;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.api.crypto.AtRest;
import dev.spool.api.crypto.Keyring;

/**
 * A keyring replaced while the journal runs, and lock state documents bound to their lock's name:
 * new writes use the new active key at once, older records still read, a ring dropping a key that
 * segments may still use is refused (the old ring stays), and once compaction has moved everything
 * the old key may go; a sealed document copied into another lock's place does not open, while a
 * document written before format 4 (bound to its version only) still does.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KeyReloadJournalTest {
    private static final String OLD = Keyring.newKeyLine("reload-old-01");
    private static final String NEW = Keyring.newKeyLine("reload-new-02");

    @TempDir
    Path dir;
    private long grace;

    @BeforeEach
    void noDeleteGrace() {
        grace = Space.deleteGraceMs;
        Space.deleteGraceMs = 0;
    }

    @AfterEach
    void restoreGrace() {
        Space.deleteGraceMs = grace;
    }

    private static <T> T get(CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }

    private static BrokerSettings settings(String keys) {
        return BrokerSettings.DEFAULTS.withAtRest(new AtRest(Optional.of(Keyring.parse(keys, "test")), true));
    }

    private static byte[] keyHeader(String id) {
        byte[] b = new byte[2 + id.length()];
        b[0] = 1;
        b[1] = (byte) id.length();
        System.arraycopy(id.getBytes(StandardCharsets.US_ASCII), 0, b, 2, id.length());
        return b;
    }

    private boolean segmentsHold(byte[] needle) throws IOException {
        String n = new String(needle, StandardCharsets.ISO_8859_1);
        try (Stream<Path> files = Files.list(dir.resolve("journal"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".seg")).toList()) {
                try {
                    if (new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(n)) {
                        return true;
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // compacted away while we looked
                }
            }
        }
        return false;
    }

    private static ErrorCode failure(CompletionStage<?> s) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> get(s));
        assertThat(t).isInstanceOf(CompletionException.class).hasCauseInstanceOf(SpoolException.class);
        return ((SpoolException) t.getCause()).code();
    }

    @Test
    void shouldSealWithTheNewKeyAndRefuseToDropTheOldOneWhileSegmentsUseItWhenReloaded() throws IOException {
        EmbeddedConfig c = EmbeddedConfig.journal(dir).withPayloadCacheBytes(0).withSegmentBytes(4096)
                .withSnapshotEveryBytes(4096);
        try (EmbeddedBroker b = EmbeddedBroker.open(c, settings(OLD))) {
            get(b.putQueue("q", QueueConfig.DEFAULTS.withEncrypted(true)));
            get(b.push("q", List.of(NewMessage.ofUtf8("under-old"))));
            Keyring live = b.settings().atRest().keyring().orElseThrow();

            // dropping the active key while records use it: refused, the old ring stays
            assertThat(failure(b.replaceKeyring(Keyring.parse(NEW, "test")))).isEqualTo(ErrorCode.CONFLICT);
            assertThat(live.activeId()).isEqualTo("reload-old-01");

            get(b.replaceKeyring(Keyring.parse(OLD + "\n" + NEW, "test")));
            assertThat(live.activeId()).isEqualTo("reload-new-02");
            assertThat(segmentsHold(keyHeader("reload-new-02"))).isFalse();
            get(b.push("q", List.of(NewMessage.ofUtf8("under-new"))));
            assertThat(segmentsHold(keyHeader("reload-new-02"))).isTrue();
            assertThat(Files.readString(dir.resolve("journal").resolve(KeyMarker.NAME))).startsWith("reload-new-02 ");

            // the segments written before the reload still use the old key
            assertThat(failure(b.replaceKeyring(Keyring.parse(NEW, "test")))).isEqualTo(ErrorCode.CONFLICT);
            List<Delivery> d = get(b.pop("q", new PopRequest("default", 2, 600_000, 0)));
            assertThat(d).extracting(x -> x.body().payload().asUtf8()).containsExactly("under-old", "under-new");
            get(b.ack("q", AckRequest.of(Receipts.of(d))));

            // churn until compaction has moved every record out of the older segments
            get(b.push("kept", List.of(NewMessage.ofUtf8("kept-across"))));
            List<NewMessage> batch = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                batch.add(NewMessage.of(new byte[300]));
            }
            boolean dropped = false;
            for (int round = 0; round < 400 && !dropped; round++) {
                get(b.push("churn", batch));
                get(b.ack("churn", AckRequest.of(Receipts.of(get(b.pop("churn",
                        new PopRequest("default", 20, 60_000, 0)))))));
                dropped = b.replaceKeyring(Keyring.parse(NEW, "test")).toCompletableFuture()
                        .orTimeout(30, TimeUnit.SECONDS).handle((v, e) -> e == null).join();
            }
            assertThat(dropped).as("the old key could be dropped once compaction moved everything").isTrue();
            assertThat(live.ids()).containsExactly("reload-new-02");
            // the dead segments are unlinked by the snapshot thread, soon after compaction
            org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS)
                    .until(() -> !segmentsHold(keyHeader("reload-old-01")));
        }
        try (EmbeddedBroker b = EmbeddedBroker.open(c, settings(NEW))) {
            assertThat(get(b.pop("kept", new PopRequest("default", 1, 60_000, 0))).get(0).body().payload().asUtf8())
                    .isEqualTo("kept-across");
        }
    }

    private static Msg doc(EmbeddedBroker b, String lock) {
        Msg[] out = new Msg[1];
        get(b.onEngine(() -> out[0] = b.engine().sm.locks.get(lock).doc));
        return out[0];
    }

    private static LockStateWrite write(LockLease l, String text) {
        return new LockStateWrite(l.fence(), Payload.ofUtf8(text), "text/plain", OptionalLong.empty());
    }

    @Test
    void shouldRefuseALockStateDocumentCopiedToAnotherLockAsCorrupt() throws IOException {
        EmbeddedConfig c = EmbeddedConfig.journal(dir).withPayloadCacheBytes(0);
        try (EmbeddedBroker b = EmbeddedBroker.open(c, settings(OLD))) {
            LockLease a = get(b.acquireLock("lock-a", new LockRequest("t", 600_000, 0)));
            LockLease z = get(b.acquireLock("lock-z", new LockRequest("t", 600_000, 0)));
            // over PublishedStates.MAX_INLINE_BYTES: read from the segment, never from a heap copy
            String big = "x".repeat(PublishedStates.MAX_INLINE_BYTES);
            get(b.putLockState("lock-a", write(a, "state-of-a" + big)));
            get(b.putLockState("lock-z", write(z, "state-of-z" + big)));
            Msg da = doc(b, "lock-a");
            Msg dz = doc(b, "lock-z");
            // the same version: a binding to the version alone would not tell them apart
            assertThat(da.id).isEqualTo(dz.id);
            assertThat(da.storedBytes).isEqualTo(dz.storedBytes);

            // the whole entry of lock-a (its own CRCs included) over the entry of lock-z
            Path segA = Segments.path(dir.resolve("journal"), JournalPos.segment(da.location));
            Path segZ = Segments.path(dir.resolve("journal"), JournalPos.segment(dz.location));
            ByteBuffer entry = ByteBuffer.allocate(da.storedBytes);
            try (FileChannel in = FileChannel.open(segA, StandardOpenOption.READ)) {
                in.read(entry, JournalPos.offset(da.location));
            }
            entry.flip();
            try (FileChannel out = FileChannel.open(segZ, StandardOpenOption.WRITE)) {
                out.write(entry, JournalPos.offset(dz.location));
            }

            // as after a restart: the documents are read from the segments, not from the heap
            get(b.onEngine(() -> {
                b.engine().sm.locks.get("lock-a").doc.body = null;
                b.engine().sm.locks.get("lock-z").doc.body = null;
            }));
            assertThatThrownBy(() -> get(b.getLockState("lock-z"))).isInstanceOfSatisfying(CompletionException.class,
                    e -> assertThat(((SpoolException) e.getCause()).code()).isEqualTo(ErrorCode.CORRUPT));
            assertThat(get(b.getLockState("lock-a")).payload().asUtf8()).isEqualTo("state-of-a" + big);
        }
    }

    @Test
    void shouldStillReadALockStateDocumentBoundToItsVersionOnlyWhenWrittenBeforeFormat4() throws Exception {
        EmbeddedConfig c = EmbeddedConfig.journal(dir).withPayloadCacheBytes(0);
        try (EmbeddedBroker b = EmbeddedBroker.open(c, settings(OLD))) {
            LockLease l = get(b.acquireLock("lk", new LockRequest("t", 600_000, 0)));
            get(b.putLockState("lk", write(l, "written-before-format-4")));
            // what a build before format 4 wrote: the document's entry without the lock name,
            // sealed bound to the version alone (the relocation writes its entry again)
            Field key = Msg.class.getDeclaredField("key");
            key.setAccessible(true);
            get(b.onEngine(() -> {
                LockEntry e = b.engine().sm.locks.get("lk");
                e.doc.body = b.journal().wal().body(e.doc);
                try {
                    key.set(e.doc, null);
                } catch (IllegalAccessException x) {
                    throw new IllegalStateException(x);
                }
                b.journal().wal().relocateLockState(e, b.engine().now);
            }));
        }
        try (EmbeddedBroker b = EmbeddedBroker.open(c, settings(OLD))) {
            assertThat(doc(b, "lk").key).isEqualTo("lk");
            assertThat(get(b.getLockState("lk")).payload().asUtf8()).isEqualTo("written-before-format-4");
        }
    }
}
