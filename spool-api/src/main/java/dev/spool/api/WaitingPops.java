package dev.spool.api;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * What every backend does when the caller of a waiting pop cancels its stage
 * ({@code toCompletableFuture().cancel(false)}): the pop leases nothing for it afterwards. A backend
 * that can withdraw a waiter (the embedded engine) stops serving it; and deliveries the backend
 * handed over after the caller gave up (a race with the cancel, or a backend that cannot withdraw)
 * are nacked at once without delay, so they are ready again instead of staying leased until their
 * visibility timeout ends.
 */
public final class WaitingPops {
    private WaitingPops() {
    }

    /**
     * Links the backend's stage of a pop to the stage given to its caller.
     *
     * @param backend completes with what the backend leased for the pop
     * @param caller the stage the caller holds and may cancel
     * @param group the pop's group
     * @param nack nacks deliveries of {@code group} in the pop's queue
     * @return {@code caller}
     */
    public static CompletableFuture<List<Delivery>> link(CompletionStage<List<Delivery>> backend,
            CompletableFuture<List<Delivery>> caller, String group,
            Function<NackRequest, CompletionStage<Outcomes>> nack) {
        backend.whenComplete((ds, e) -> {
            if (e != null) {
                caller.completeExceptionally(e);
            } else if (!caller.complete(ds) && !ds.isEmpty()) {
                nack.apply(new NackRequest(group, Receipts.of(ds), OptionalLong.of(0), Optional.empty()));
            }
        });
        return caller;
    }
}
