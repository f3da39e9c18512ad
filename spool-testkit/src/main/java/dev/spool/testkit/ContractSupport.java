package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.ExtendRequest;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageView;
import dev.spool.api.NackRequest;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.QueueStats;
import dev.spool.api.Receipts;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.SpoolException;

/**
 * Helpers shared by the contract classes: the broker of the running test, unique names, blocking
 * calls with a timeout, failure capture, and scaled time. Each contract class extends it and is
 * itself extended by one {@code @Nested} class of {@link BrokerContractTest}.
 */
abstract class ContractSupport {
    /** A lease long enough that it never ends during a test. */
    static final long LONG_LEASE_MS = 600_000;

    private final BrokerContractTest suite;

    ContractSupport(BrokerContractTest suite) {
        this.suite = suite;
    }

    // ---- brokers, names, time ----

    final Broker broker() {
        return suite.broker();
    }

    final Broker open(BrokerSettings settings) {
        return suite.open(settings);
    }

    /** Skips the running test unless deliveries carry their first delivery's time. */
    final void assumeFirstDeliveryKnown() {
        org.junit.jupiter.api.Assumptions.assumeTrue(suite.knowsFirstDelivery(),
                "the backend does not report first deliveries");
    }

    /** Skips the running test unless brokers take their encryption keyring from their settings. */
    final void assumeEncryption() {
        org.junit.jupiter.api.Assumptions.assumeTrue(suite.takesKeyringFromSettings(),
                "the broker's keyring is not given through its settings");
    }

    /** Skips the running test unless the backend signs its receipts. */
    final void assumeSignedReceipts() {
        org.junit.jupiter.api.Assumptions.assumeTrue(suite.signsReceipts(), "the backend does not sign receipts");
    }

    /** Skips the running test unless the backend stores access tokens. */
    final void assumeTokens() {
        org.junit.jupiter.api.Assumptions.assumeTrue(suite.storesTokens(), "the backend does not store tokens");
    }

    final BrokerSettings settings() {
        return suite.defaultSettings();
    }

    /** A queue name unique to this test. */
    final String queueName() {
        return suite.uniqueName("");
    }

    /** A queue name unique to this test, with a readable tag. */
    final String queueName(String tag) {
        return suite.uniqueName(tag);
    }

    /** {@code n} time units in ms. */
    final long u(double n) {
        return Math.round(n * suite.unitMs());
    }

    /** How long any single call may take before the test fails. */
    final Duration callTimeout() {
        return Duration.ofMillis(Math.max(20_000, u(100)));
    }

    /** Awaitility bounded by a generous multiple of the time unit, polling at a fraction of it. */
    final ConditionFactory eventually() {
        return Awaitility.await().atMost(callTimeout())
                .pollInterval(Duration.ofMillis(Math.max(5, u(0.1))));
    }

    static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    // ---- calls ----

    /** Waits for a stage and returns its value; a failure is rethrown as the SpoolException. */
    final <T> T get(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(callTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("broker call did not complete within " + callTimeout(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static RuntimeException unwrap(Throwable t) {
        Throwable c = t;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof RuntimeException r) {
            return r;
        }
        return new CompletionException(c);
    }

    /**
     * Asserts that the call fails its stage with a {@link SpoolException} of {@code code} and
     * returns it. Backends must fail the stage, not throw from the method.
     */
    final SpoolException failure(ErrorCode code, Supplier<? extends CompletionStage<?>> call) {
        CompletionStage<?> stage;
        try {
            stage = call.get();
        } catch (RuntimeException e) {
            throw new AssertionError("the call threw instead of failing its stage: " + e, e);
        }
        Object value;
        try {
            value = get(stage);
        } catch (SpoolException e) {
            assertThat(e.code()).as("error code of: %s", e.getMessage()).isEqualTo(code);
            return e;
        } catch (RuntimeException e) {
            throw new AssertionError("expected SpoolException(" + code + ") but got " + e, e);
        }
        return fail("expected SpoolException(%s) but the call succeeded with %s", code, value);
    }

    /** Asserts an INVALID_ARGUMENT naming {@code field}. */
    final SpoolException invalid(String field, Supplier<? extends CompletionStage<?>> call) {
        SpoolException e = failure(ErrorCode.INVALID_ARGUMENT, call);
        assertThat(e.field()).as("field of: %s", e.getMessage()).contains(field);
        return e;
    }

    // ---- queues ----

    /** Creates a queue with this configuration and returns its unique name. */
    final String createQueue(QueueConfig config) {
        String q = queueName();
        get(broker().putQueue(q, config));
        return q;
    }

    /** Creates a queue with the broker's default configuration. */
    final String createQueue() {
        return createQueue(settings().queueDefaults());
    }

    final QueueConfig defaults() {
        return settings().queueDefaults();
    }

    final QueueStats stats(String q) {
        return get(broker().getQueue(q)).stats();
    }

    final QueueStats stats(String q, String group) {
        return get(broker().getGroup(q, group)).stats();
    }

    // ---- push ----

    final long push(String q, String text) {
        return push(q, NewMessage.ofUtf8(text));
    }

    final long push(String q, NewMessage m) {
        long[] ids = get(broker().push(q, List.of(m)));
        assertThat(ids).hasSize(1);
        return ids[0];
    }

    /** Pushes one message per text, each in its own request, and returns the ids. */
    final List<Long> pushEach(String q, String... texts) {
        List<Long> ids = new ArrayList<>();
        for (String t : texts) {
            ids.add(push(q, t));
        }
        return ids;
    }

    // ---- pop ----

    /** Pops up to {@code max} of the default group with a lease that outlives the test. */
    final List<Delivery> pop(String q, int max) {
        return get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, max, LONG_LEASE_MS, 0)));
    }

    final List<Delivery> pop(String q, String group, int max) {
        return get(broker().pop(q, new PopRequest(group, max, LONG_LEASE_MS, 0)));
    }

    /** Pops exactly one message of the default group, with a long lease. */
    final Delivery popOne(String q) {
        List<Delivery> ds = pop(q, 1);
        assertThat(ds).as("one ready message in %s", q).hasSize(1);
        return ds.get(0);
    }

    final Delivery popOne(String q, String group) {
        List<Delivery> ds = pop(q, group, 1);
        assertThat(ds).as("one ready message in %s/%s", q, group).hasSize(1);
        return ds.get(0);
    }

    /** Pops one message with the given lease, waiting up to the call timeout for one to be ready. */
    final Delivery awaitPop(String q, String group, long leaseMs) {
        return eventually().until(
                () -> get(broker().pop(q, new PopRequest(group, 1, leaseMs, u(1)))),
                ds -> !ds.isEmpty()).get(0);
    }

    final Delivery awaitPop(String q) {
        return awaitPop(q, Broker.DEFAULT_GROUP, LONG_LEASE_MS);
    }

    final void assertNothingReady(String q) {
        assertThat(pop(q, 10)).as("ready messages of %s", q).isEmpty();
    }

    final void assertNothingReady(String q, String group) {
        assertThat(pop(q, group, 10)).as("ready messages of %s/%s", q, group).isEmpty();
    }

    static String text(Delivery d) {
        return d.body().payload().asUtf8();
    }

    static List<String> texts(List<Delivery> ds) {
        return ds.stream().map(ContractSupport::text).toList();
    }

    static List<Long> ids(List<Delivery> ds) {
        return ds.stream().map(Delivery::id).toList();
    }

    // ---- receipts ----

    final Outcomes ack(String q, Delivery... ds) {
        return get(broker().ack(q, AckRequest.of(Receipts.of(List.of(ds)))));
    }

    final Outcomes ack(String q, String group, Delivery... ds) {
        return get(broker().ack(q, new AckRequest(group, Receipts.of(List.of(ds)), Optional.empty())));
    }

    final Outcomes nack(String q, long delayMs, Delivery... ds) {
        return get(broker().nack(q, new NackRequest(Broker.DEFAULT_GROUP, Receipts.of(List.of(ds)),
                OptionalLong.of(delayMs), Optional.empty())));
    }

    final Outcomes nack(String q, String group, long delayMs, String reason, Delivery d) {
        return get(broker().nack(q, new NackRequest(group, Receipts.of(List.of(d)), OptionalLong.of(delayMs),
                Optional.of(reason))));
    }

    final Outcomes extend(String q, long visibilityMs, Delivery... ds) {
        return get(broker().extend(q, new ExtendRequest(Broker.DEFAULT_GROUP, Receipts.of(List.of(ds)),
                visibilityMs)));
    }

    static Outcomes outcomes(ReceiptOutcome... os) {
        Outcomes.Builder b = Outcomes.builder(os.length);
        for (int i = 0; i < os.length; i++) {
            b.set(i, os[i]);
        }
        return b.build();
    }

    // ---- locks ----

    /** Skips the running test unless the backend implements locks. */
    final void assumeLocks() {
        org.junit.jupiter.api.Assumptions.assumeTrue(suite.supportsLocks(), "the backend does not implement locks yet");
    }

    /** Skips the running test unless the backend keeps its data across {@link #restart()}. */
    final void assumeRestart() {
        org.junit.jupiter.api.Assumptions.assumeTrue(suite.supportsRestart(), "the backend keeps nothing across a restart");
    }

    /** Closes the test's default broker and opens it again on the same storage; returns the new one. */
    final Broker restart() {
        return suite.restart();
    }

    /** A lock name unique to this test. */
    final String lockName() {
        return suite.uniqueName("lock");
    }

    /** Acquires a free lock with a lease that outlives the test. */
    final LockLease acquire(String lock, String owner) {
        return get(broker().acquireLock(lock, new LockRequest(owner, LONG_LEASE_MS, 0)));
    }

    /** Starts an acquire that waits in line up to the call timeout. */
    final CompletableFuture<LockLease> acquireWaiting(String lock, String owner, long ttlMs) {
        return broker().acquireLock(lock, new LockRequest(owner, ttlMs, callTimeout().toMillis() / 2))
                .toCompletableFuture();
    }

    final LockInfo lockInfo(String lock) {
        return get(broker().getLock(lock));
    }

    /** Waits until the lock has {@code n} waiters in line. */
    final void awaitWaiters(String lock, int n) {
        eventually().until(() -> lockInfo(lock).waiters() == n);
    }

    final LockStateInfo putState(String lock, LockLease lease, String text) {
        return get(broker().putLockState(lock, new LockStateWrite(lease.fence(), Payload.ofUtf8(text),
                "text/plain", OptionalLong.empty())));
    }

    final String stateText(String lock) {
        return get(broker().getLockState(lock)).payload().asUtf8();
    }

    // ---- task view ----

    final MessageView view(String q, long id) {
        return get(broker().getMessage(q, id, MessageQuery.NOW));
    }

    final MessageView view(String q, String group, long id) {
        return get(broker().getMessage(q, id, new MessageQuery(group, 0)));
    }
}
