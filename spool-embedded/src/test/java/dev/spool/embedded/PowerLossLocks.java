package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import dev.spool.api.ErrorCode;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

/**
 * The lock part of {@link PowerLossHarness}: acquires, keepalives, state writes and releases on a
 * few names in the same concurrent workload, and the check after each power cut. Every confirmed
 * token is unique per name and the recovered last token is never below one (so a grant after the
 * restart is above every token issued before); a confirmed holder whose lease has not ended is
 * still the holder; the recovered state document is the last confirmed write or a later write whose
 * reply did not arrive, byte for byte. Unknown outcomes take what the recovered state shows.
 * Thread-safe through the harness's model lock, which every method takes.
 */
final class PowerLossLocks {
    private static final String[] NAMES = {"la", "lb", "lc"};

    private final Object modelLock;
    private final Random random;
    private final LongSupplier clock;
    /** Per name: every token a reply confirmed. */
    private final Map<String, Set<Long>> tokens = new HashMap<>();
    /** Per name: the lower bound of the last token (confirmed grants, recovered values). */
    private final Map<String, Long> lastToken = new HashMap<>();
    /** Per name: the lease this model believes current, with its confirmed expiry. */
    private final Map<String, LockLease> held = new HashMap<>();
    /** Names whose holder may have changed without a confirmed reply (release or keepalive unknown). */
    private final Set<String> unsure = new HashSet<>();
    /** Per name: the last confirmed document {version, text}; and texts of writes with unknown outcome. */
    private final Map<String, Object[]> state = new HashMap<>();
    private final Map<String, Set<String>> maybeState = new HashMap<>();
    private int seq;
    long confirmedOps;

    PowerLossLocks(Object modelLock, Random random, LongSupplier clock) {
        this.modelLock = modelLock;
        this.random = random;
        this.clock = clock;
    }

    /** One random lock operation; called with the model lock held. */
    CompletableFuture<?> next(EmbeddedBroker b) {
        String name = NAMES[random.nextInt(NAMES.length)];
        LockLease l = held.get(name);
        if (l == null) {
            return acquire(b, name);
        }
        int r = random.nextInt(10);
        if (r < 5) {
            return write(b, name, l);
        }
        if (r < 7) {
            unsure.add(name);
            return b.keepaliveLock(name, l.fence(), 500 + random.nextInt(5_000)).toCompletableFuture()
                    .thenAccept(k -> {
                        synchronized (modelLock) {
                            if (held.get(name) == l) {
                                held.put(name, k);
                            }
                            confirmedOps++;
                        }
                    });
        }
        held.remove(name);
        unsure.add(name);
        return b.releaseLock(name, l.fence()).toCompletableFuture().thenAccept(v -> {
            synchronized (modelLock) {
                confirmedOps++;
            }
        });
    }

    private CompletableFuture<?> acquire(EmbeddedBroker b, String name) {
        long ttl = 200 + random.nextInt(6_000);
        return b.acquireLock(name, new LockRequest("p", ttl, 0)).toCompletableFuture().handle((l, e) -> {
            synchronized (modelLock) {
                if (l != null) {
                    assertThat(tokens.computeIfAbsent(name, k -> new HashSet<>()).add(l.token()))
                            .as("token %d of %s issued twice", l.token(), name).isTrue();
                    assertThat(l.token()).as("token of %s after the last confirmed one", name)
                            .isGreaterThan(lastToken.getOrDefault(name, 0L));
                    lastToken.put(name, l.token());
                    held.put(name, l);
                    unsure.remove(name);
                    confirmedOps++;
                }
            }
            return null;
        });
    }

    private CompletableFuture<?> write(EmbeddedBroker b, String name, LockLease l) {
        String text = name + ":" + l.token() + ":" + seq++ + ":" + "s".repeat(random.nextInt(600));
        maybeState.computeIfAbsent(name, k -> new HashSet<>()).add(text);
        return b.putLockState(name, new LockStateWrite(l.fence(), Payload.ofUtf8(text), "text/plain",
                OptionalLong.empty())).toCompletableFuture().handle((info, e) -> {
                    synchronized (modelLock) {
                        if (info != null) {
                            Object[] was = state.get(name);
                            if (was == null || (long) was[0] < info.version()) {
                                state.put(name, new Object[] {info.version(), text});
                            }
                            confirmedOps++;
                        } else if (cause(e) instanceof SpoolException s && s.code() == ErrorCode.STALE_LEASE) {
                            // the lease ended meanwhile: refused and changed nothing
                            maybeState.get(name).remove(text);
                            if (held.get(name) == l) {
                                held.remove(name);
                            }
                        }
                    }
                    return null;
                });
    }

    private static Throwable cause(Throwable e) {
        Throwable c = e;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /** After a reopen: checks tokens, holders and state documents, then takes the recovered values. */
    void check(EmbeddedBroker b, String when) {
        synchronized (modelLock) {
            long now = clock.getAsLong();
            for (String name : NAMES) {
                LockInfo info;
                try {
                    info = b.getLock(name).toCompletableFuture().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(lastToken.getOrDefault(name, 0L)).as("%s: lock %s lost", when, name).isZero();
                    continue;
                } catch (Exception e) {
                    throw new AssertionError(when + ": reading lock " + name + " failed: " + e, e);
                }
                long confirmed = lastToken.getOrDefault(name, 0L);
                assertThat(info.lastToken()).as("%s: last token of %s went below a confirmed one", when, name)
                        .isGreaterThanOrEqualTo(confirmed);
                lastToken.put(name, info.lastToken());
                LockLease l = held.get(name);
                if (l != null && !unsure.contains(name) && l.expiresAt() > now) {
                    assertThat(info.holder()).as("%s: confirmed holder of %s (token %d) lost", when, name, l.token())
                            .isPresent();
                    assertThat(info.holder().orElseThrow().token()).as("%s: holder token of %s", when, name)
                            .isEqualTo(l.token());
                }
                if (l != null && (info.holder().isEmpty() || info.holder().orElseThrow().token() != l.token())) {
                    held.remove(name);
                } else if (l != null) {
                    // the recovered expiry is the truth from here on: two keepalives in flight at once
                    // can complete in either order, so the model's expiry of an unsure name may differ
                    held.put(name, new LockLease(name, l.leaseId(), l.token(), l.owner(),
                            info.holder().orElseThrow().expiresAt()));
                }
                unsure.remove(name);
                checkState(b, name, when);
            }
        }
    }

    private void checkState(EmbeddedBroker b, String name, String when) {
        Object[] confirmed = state.get(name);
        Set<String> maybe = maybeState.computeIfAbsent(name, k -> new HashSet<>());
        LockState s;
        try {
            s = b.getLockState(name).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            assertThat(confirmed).as("%s: state of %s lost", when, name).isNull();
            maybe.clear();
            return;
        } catch (Exception e) {
            throw new AssertionError(when + ": reading the state of " + name + " failed: " + e, e);
        }
        LockStateInfo info = s.info();
        String text = s.payload().asUtf8();
        if (confirmed != null) {
            long v = (long) confirmed[0];
            assertThat(info.version()).as("%s: state version of %s went back", when, name).isGreaterThanOrEqualTo(v);
            if (info.version() == v) {
                assertThat(text).as("%s: state of %s at version %d", when, name, v).isEqualTo(confirmed[1]);
            }
        }
        if (confirmed == null || info.version() > (long) confirmed[0]) {
            assertThat(maybe).as("%s: state of %s is a write that was sent", when, name).contains(text);
        }
        assertThat(text).as("%s: state of %s intact", when, name).matches(name + ":\\d+:\\d+:s*");
        state.put(name, new Object[] {info.version(), text});
        maybe.clear();
    }
}
