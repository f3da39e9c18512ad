package dev.spool.server;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.spool.api.Broker;
import dev.spool.api.LockInfo;

/**
 * Counts locks, held locks and waiters for the lock gauges at a scrape, by paging through the lock
 * list: nothing is kept between scrapes and no per-lock series exists. The walk stops after
 * {@link #MAX_PAGES} pages, so a scrape's cost stays bounded when there are very many locks (the
 * gauges then count the first {@code MAX_PAGES * PAGE} locks by name). A backend without locks
 * counts zero.
 */
final class LockCensus {
    /** Locks asked for per page. */
    static final int PAGE = 1_000;
    /** Most pages read per scrape. */
    static final int MAX_PAGES = 100;

    /**
     * The figures of one census.
     *
     * @param locks locks listed
     * @param holders of them, held ones
     * @param waiters acquires waiting, all listed locks together
     */
    record Figures(long locks, long holders, long waiters) {
    }

    private LockCensus() {
    }

    /** Counts, completing with zeros if the backend cannot list locks. */
    static CompletionStage<Figures> count(Broker broker) {
        CompletableFuture<Figures> out = new CompletableFuture<>();
        page(broker, "", 0, new long[3], out);
        return out;
    }

    private static void page(Broker broker, String after, int pages, long[] acc, CompletableFuture<Figures> out) {
        broker.listLocks("", after, PAGE).whenComplete((list, e) -> {
            if (e != null) {
                out.complete(new Figures(acc[0], acc[1], acc[2]));
                return;
            }
            add(list, acc);
            if (list.size() < PAGE || pages + 1 >= MAX_PAGES) {
                out.complete(new Figures(acc[0], acc[1], acc[2]));
            } else {
                page(broker, list.get(list.size() - 1).name(), pages + 1, acc, out);
            }
        });
    }

    private static void add(List<LockInfo> list, long[] acc) {
        for (LockInfo i : list) {
            acc[0]++;
            if (i.holder().isPresent()) {
                acc[1]++;
            }
            acc[2] += i.waiters();
        }
    }
}
