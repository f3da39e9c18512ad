package dev.spool.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.Broker;
import dev.spool.api.BrokerSettings;

/**
 * The definition of Spool's behaviour: every {@link Broker} backend (embedded memory, embedded
 * journal, PostgreSQL) subclasses this class once and must pass it unchanged.
 *
 * <p>A backend implements {@link #newBroker(BrokerSettings)}; the suite opens brokers through it
 * (one per test at least, more when a test needs other settings) and closes every broker it opened
 * after each test. Each semantic area is a {@link Nested} group of tests ({@code Queues},
 * {@code PushPop}, {@code Leases}, ...), whose test methods live in package-private abstract
 * contract classes of this package so that each file stays small.
 *
 * <p>Every test uses queue names unique to itself (test name plus a random suffix), so a backend
 * whose brokers share one database may keep its data between tests. Leases, delays and TTLs are
 * expressed in multiples of {@link #timeUnit()}; a slower backend stretches them by overriding it.
 * No test sleeps: waits go through Awaitility, latches or the broker's own {@code wait_ms}.
 *
 * <p>Each area carries a tag {@code contract-<area>} (e.g. {@code contract-leases}) so that one
 * area can be run alone: {@code -Dtest=MemoryBrokerContractTest -Dgroups=contract-leases}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class BrokerContractTest {
    private final List<Broker> opened = new ArrayList<>();
    private Broker shared;
    private String testName = "test";

    /** For subclasses. */
    protected BrokerContractTest() {
    }

    /**
     * Opens a new broker of the backend under test with these settings. Brokers opened by one test
     * may share storage with brokers of other tests (the suite uses unique names) but two brokers
     * opened by the same test must not step on each other's files.
     *
     * @param settings the settings the broker must run with
     * @return an open broker; the suite closes it after the test
     * @throws Exception if the backend cannot start
     */
    protected abstract Broker newBroker(BrokerSettings settings) throws Exception;

    /**
     * The time unit in which the suite expresses leases, delays, TTLs and windows (a lease of
     * {@code 3} units, a delay of {@code 2} units). The default, 100 ms, suits an in-process
     * backend; a backend with slower round trips returns more so that timing tests do not race.
     *
     * @return one unit of time, at least 10 ms
     */
    protected Duration timeUnit() {
        return Duration.ofMillis(100);
    }

    /**
     * The settings of the broker most tests use. Tests that need other settings (auto-create off,
     * small limits) derive them from this value.
     *
     * @return the default settings, {@link BrokerSettings#DEFAULTS} unless overridden
     */
    protected BrokerSettings defaultSettings() {
        return BrokerSettings.DEFAULTS;
    }

    /**
     * Whether the backend signs its receipts with a tag only it can compute (see
     * {@link dev.spool.api.Receipts}), so that a receipt cannot be forged from a message's id and
     * attempts and a receipt of a deleted group names nothing in a new group of the same name. The
     * cases that need it are skipped for a backend returning false.
     *
     * @return true unless overridden
     */
    protected boolean signsReceipts() {
        return true;
    }

    /**
     * Whether deliveries carry the time of the message's first delivery
     * ({@link dev.spool.api.Delivery#firstDeliveredAt()}); the HTTP API does not send it.
     *
     * @return true unless overridden
     */
    protected boolean knowsFirstDelivery() {
        return true;
    }

    /**
     * Whether the backend stores access tokens ({@link Broker#putToken}); a client that reaches
     * a server over HTTP does not (tokens are created through the server's admin routes).
     *
     * @return true unless overridden
     */
    protected boolean storesTokens() {
        return true;
    }

    /**
     * Whether a broker opened with a keyring in its settings ({@link BrokerSettings#atRest()})
     * encrypts with it and takes a replaced one ({@link Broker#replaceKeyring}); a client reaching a
     * server over HTTP does not (the server's own configuration holds its keys).
     *
     * @return true unless overridden
     */
    protected boolean takesKeyringFromSettings() {
        return true;
    }

    /**
     * Whether the backend implements locks ({@link Broker#acquireLock} and the rest). The lock cases
     * are skipped for a backend returning false; a backend returns false only while its lock
     * implementation is being built.
     *
     * @return true unless overridden
     */
    protected boolean supportsLocks() {
        return true;
    }

    /**
     * Whether {@link #reopen(Broker, BrokerSettings)} is implemented: the backend keeps its data
     * when a broker is closed and another is opened on the same storage (a journal, a database).
     * The restart cases are skipped for a backend returning false.
     *
     * @return false unless overridden
     */
    protected boolean supportsRestart() {
        return false;
    }

    /**
     * Opens a broker on the storage of {@code closed}, which the suite has just closed: what a
     * process restart does.
     *
     * @param closed a broker this test opened through {@link #newBroker(BrokerSettings)}, now closed
     * @param settings the settings the new broker must run with
     * @return the reopened broker; the suite closes it after the test
     * @throws Exception if the backend cannot start
     */
    protected Broker reopen(Broker closed, BrokerSettings settings) throws Exception {
        throw new UnsupportedOperationException("this backend does not reopen brokers");
    }

    /** Remembers the running test's name, from which queue names are derived. */
    @BeforeEach
    protected final void rememberTestName(TestInfo info) {
        testName = info.getTestMethod().map(m -> m.getName()).orElse("test");
    }

    /** Closes every broker the test opened, the last opened first. */
    @AfterEach
    protected final void closeBrokers() {
        RuntimeException failure = null;
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        opened.clear();
        shared = null;
        if (failure != null) {
            throw failure;
        }
    }

    /** The broker with {@link #defaultSettings()}, opened on first use within a test. */
    final Broker broker() {
        if (shared == null) {
            shared = open(defaultSettings());
        }
        return shared;
    }

    /** Opens another broker for this test; closed after it. */
    final Broker open(BrokerSettings settings) {
        Broker b;
        try {
            b = newBroker(settings);
        } catch (Exception e) {
            throw new IllegalStateException("backend could not open a broker", e);
        }
        opened.add(b);
        return b;
    }

    /** Closes the default broker and reopens it on the same storage; it becomes the default broker. */
    final Broker restart() {
        Broker old = broker();
        old.close();
        opened.remove(old);
        Broker b;
        try {
            b = reopen(old, defaultSettings());
        } catch (Exception e) {
            throw new IllegalStateException("backend could not reopen a broker", e);
        }
        opened.add(b);
        shared = b;
        return b;
    }

    /** A queue name unique to this test run: the test name, a tag and a random suffix. */
    final String uniqueName(String tag) {
        String base = testName.length() > 80 ? testName.substring(0, 80) : testName;
        String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFF_FFFFL);
        return (base + (tag.isEmpty() ? "" : "-" + tag) + "-" + suffix).toLowerCase(Locale.ROOT);
    }

    /** {@link #timeUnit()} in ms, never below 10. */
    final long unitMs() {
        return Math.max(10, timeUnit().toMillis());
    }

    /** Access tokens: stored as hashes, listed, revoked, shared by brokers over the same storage. */
    @Nested
    @Tag("contract-tokens")
    class Tokens extends TokenContract {
        Tokens() {
            super(BrokerContractTest.this);
        }
    }

    /** Queue administration: create, reconfigure, get, list, delete, purge, stats, auto-create. */
    @Nested
    @Tag("contract-queues")
    class Queues extends QueueContract {
        Queues() {
            super(BrokerContractTest.this);
        }
    }

    /** Pushing and popping: batches, validation, payload round trips, visibility and long polls. */
    @Nested
    @Tag("contract-pushpop")
    class PushPop extends PushPopContract {
        PushPop() {
            super(BrokerContractTest.this);
        }
    }

    /** Waiting pops: wake-ups by pushes, by timers and by deletion. */
    @Nested
    @Tag("contract-waiting")
    class Waiting extends WaitContract {
        Waiting() {
            super(BrokerContractTest.this);
        }
    }

    /** Leases: ack, nack and extend outcomes, expiry and redelivery, backoff. */
    @Nested
    @Tag("contract-leases")
    class Leases extends LeaseContract {
        Leases() {
            super(BrokerContractTest.this);
        }
    }

    /** Delivery order: priorities, push order, keyed FIFO, delays. */
    @Nested
    @Tag("contract-ordering")
    class Ordering extends OrderingContract {
        Ordering() {
            super(BrokerContractTest.this);
        }
    }

    /** Dead letters: max attempts, the dead-letter queue, browse, stats and redrive. */
    @Nested
    @Tag("contract-deadletters")
    class DeadLetters extends DeadLetterContract {
        DeadLetters() {
            super(BrokerContractTest.this);
        }
    }

    /** Named groups: fan-out, start positions, independence, deletion, retention. */
    @Nested
    @Tag("contract-groups")
    class Groups extends GroupContract {
        Groups() {
            super(BrokerContractTest.this);
        }
    }

    /** The task view, results, TTLs and de-duplication. */
    @Nested
    @Tag("contract-tasks")
    class Tasks extends TaskContract {
        Tasks() {
            super(BrokerContractTest.this);
        }
    }

    /** Browsing without leasing. */
    @Nested
    @Tag("contract-browsing")
    class Browsing extends BrowseContract {
        Browsing() {
            super(BrokerContractTest.this);
        }
    }

    /** Encryption at rest: encrypted queues, lock state, a keyring replaced while running. */
    @Nested
    @Tag("contract-encryption")
    class Encryption extends EncryptionContract {
        Encryption() {
            super(BrokerContractTest.this);
        }
    }

    /** Transactions across queues. */
    @Nested
    @Tag("contract-transactions")
    class Transactions extends TxContract {
        Transactions() {
            super(BrokerContractTest.this);
        }
    }

    /** Many producers and consumers at once: exactly-once delivery while acked, key order. */
    @Nested
    @Tag("contract-concurrency")
    class Concurrency extends ConcurrencyContract {
        Concurrency() {
            super(BrokerContractTest.this);
        }
    }

    /** Locks: fencing tokens, one holder, fair waiting, expiry, input checks. */
    @Nested
    @Tag("contract-locks")
    class Locks extends LockContract {
        Locks() {
            super(BrokerContractTest.this);
        }
    }

    /** Lock state documents, listing, transactions with lock ops, restarts. */
    @Nested
    @Tag("contract-lockstate")
    class LockStates extends LockStateContract {
        LockStates() {
            super(BrokerContractTest.this);
        }
    }

    /** The one-request lock cycle: acquire, state write and release in one transaction. */
    @Nested
    @Tag("contract-locktx")
    class LockTx extends LockTxContract {
        LockTx() {
            super(BrokerContractTest.this);
        }
    }

    /** Limits, health, settings and close. */
    @Nested
    @Tag("contract-limits")
    class Limits extends LimitsContract {
        Limits() {
            super(BrokerContractTest.this);
        }
    }
}
