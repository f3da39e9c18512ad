package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TimerWheelTest {

    private static Msg entry(long id) {
        return new Msg(id, null, (byte) 0, null, Long.MAX_VALUE);
    }

    @Test
    void shouldFireEveryEntryAtItsDeadlineNeverEarlyNeverLate() {
        Random r = new Random(42);
        long start = 1_700_000_000_000L;
        TimerWheel w = new TimerWheel(start);
        List<Msg> all = new ArrayList<>();
        long[] deadlines = new long[5000];
        for (int i = 0; i < deadlines.length; i++) {
            Msg m = entry(i);
            long d = start + switch (i % 5) {
                case 0 -> r.nextInt(64);
                case 1 -> r.nextInt(5_000);
                case 2 -> r.nextInt(300_000);
                case 3 -> r.nextInt(20_000_000);
                default -> 1 + r.nextLong(3L * 365 * 24 * 3600 * 1000);
            };
            deadlines[i] = d;
            all.add(m);
            w.schedule(m, d);
        }
        long[] firedAt = new long[deadlines.length];
        long now = start;
        int fired = 0;
        while (fired < deadlines.length) {
            long next = w.nextDeadline();
            assertThat(next).isGreaterThanOrEqualTo(now);
            now = Math.max(now, next);
            int[] count = {0};
            w.advance(now, (e, t) -> {
                firedAt[(int) e.id()] = t;
                count[0]++;
            });
            fired += count[0];
        }
        for (int i = 0; i < deadlines.length; i++) {
            assertThat(firedAt[i]).as("entry %d", i).isEqualTo(deadlines[i]);
        }
        assertThat(w.size()).isZero();
        assertThat(w.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void shouldNotFireCancelledOrRescheduledEntriesAtTheOldDeadline() {
        TimerWheel w = new TimerWheel(0);
        Msg a = entry(1);
        Msg b = entry(2);
        w.schedule(a, 100);
        w.schedule(b, 100);
        w.cancel(a);
        w.schedule(b, 5000);
        List<Long> fired = new ArrayList<>();
        w.advance(4999, (e, t) -> fired.add(e.id()));
        assertThat(fired).isEmpty();
        w.advance(5000, (e, t) -> fired.add(e.id()));
        assertThat(fired).containsExactly(2L);
        assertThat(w.size()).isZero();
    }

    @Test
    void shouldFirePastDeadlinesOnTheNextAdvance() {
        TimerWheel w = new TimerWheel(1000);
        Msg a = entry(1);
        w.schedule(a, 10);
        assertThat(w.nextDeadline()).isEqualTo(1000);
        List<Long> fired = new ArrayList<>();
        w.advance(1000, (e, t) -> fired.add(e.id()));
        assertThat(fired).containsExactly(1L);
    }
}
