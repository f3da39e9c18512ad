package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The first-delivery time an entry keeps in an int: exact to the ms for 24 days, then to the second. */
class EntryFirstDeliveryTest {
    private static final long PUSHED = 1_764_000_000_000L;

    private static Msg pushedAt(long ms) {
        return new Msg(ms << Ids.SEQ_BITS, null, (byte) 0, null, Long.MAX_VALUE);
    }

    @Test
    void shouldBeUnknownBeforeTheFirstDelivery() {
        assertThat(pushedAt(PUSHED).firstDeliveredAt()).isZero();
    }

    @Test
    void shouldKeepTheMillisecondWhenDeliveredWithin24Days() {
        Msg m = pushedAt(PUSHED);
        m.firstDeliveredAt(PUSHED);
        assertThat(m.firstDeliveredAt()).isEqualTo(PUSHED);
        m.firstDeliveredAt(PUSHED + 20L * 24 * 3600 * 1000 + 7);
        assertThat(m.firstDeliveredAt()).isEqualTo(PUSHED + 20L * 24 * 3600 * 1000 + 7);
    }

    @Test
    void shouldKeepTheSecondWhenDeliveredAfter24Days() {
        Msg m = pushedAt(PUSHED);
        long later = PUSHED + 300L * 24 * 3600 * 1000 + 1_234;
        m.firstDeliveredAt(later);
        assertThat(m.firstDeliveredAt()).isBetween(later - 1_000, later);
    }
}
