package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;

/** The shared backoff rule: {@code min(max, initial * 2^(n-1))} with equal jitter. */
class BackoffTest {
    private final Backoff backoff = new Backoff(1_000, 60_000);

    @Test
    void shouldDoubleFromInitialUpToTheCap() {
        assertThat(backoff.ceiling(1)).isEqualTo(1_000);
        assertThat(backoff.ceiling(2)).isEqualTo(2_000);
        assertThat(backoff.ceiling(3)).isEqualTo(4_000);
        assertThat(backoff.ceiling(6)).isEqualTo(32_000);
        assertThat(backoff.ceiling(7)).isEqualTo(60_000);
        assertThat(backoff.ceiling(8)).isEqualTo(60_000);
        assertThat(backoff.ceiling(0)).as("below 1 counts as 1").isEqualTo(1_000);
    }

    @Test
    void shouldNotOverflowWhenNIsHuge() {
        Backoff wide = new Backoff(3, Long.MAX_VALUE);
        assertThat(wide.ceiling(62)).isEqualTo(3L << 61);
        assertThat(wide.ceiling(63)).isEqualTo(Long.MAX_VALUE);
        assertThat(wide.ceiling(64)).isEqualTo(Long.MAX_VALUE);
        assertThat(wide.ceiling(Integer.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(backoff.ceiling(Integer.MAX_VALUE)).isEqualTo(60_000);
        assertThat(backoff.delay(Integer.MAX_VALUE)).isBetween(30_000L, 60_000L);
        assertThat(wide.delay(1_000)).isBetween(Long.MAX_VALUE / 2, Long.MAX_VALUE);
    }

    @Test
    void shouldDrawEveryDelayFromHalfToFullOfTheCeiling() {
        RandomGenerator random = new SplittableRandom(42);
        for (int n = 1; n <= 10; n++) {
            long d = backoff.ceiling(n);
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 2_000; i++) {
                long v = backoff.delay(n, random);
                assertThat(v).as("n=%d", n).isBetween(d / 2, d);
                seen.add(v);
            }
            assertThat(seen).as("jittered, n=%d", n).hasSizeGreaterThan(100);
        }
    }

    @Test
    void shouldReachBothEndsOfTheJitterRange() {
        RandomGenerator lowest = fixed(false);
        RandomGenerator highest = fixed(true);
        assertThat(backoff.delay(2, lowest)).isEqualTo(1_000);
        assertThat(backoff.delay(2, highest)).isEqualTo(2_000);
        Backoff odd = new Backoff(3, 3);
        assertThat(odd.delay(1, lowest)).isEqualTo(1);
        assertThat(odd.delay(1, highest)).isEqualTo(3);
        Backoff one = new Backoff(1, 1);
        assertThat(one.delay(5, highest)).isEqualTo(1);
    }

    /** A generator that always draws the lowest or the highest value of a bounded range. */
    private static RandomGenerator fixed(boolean high) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException("only bounded draws");
            }

            @Override
            public long nextLong(long bound) {
                return high ? bound - 1 : 0;
            }
        };
    }

    @Test
    void shouldRefuseBoundsOutOfOrder() {
        assertThatThrownBy(() -> new Backoff(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(10, 5)).isInstanceOf(IllegalArgumentException.class);
    }
}
