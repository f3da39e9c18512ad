package dev.spool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class AuditTest {

    @Test
    void shouldCountLostDuplicatedAndUnconfirmedMessages() {
        Audit a = new Audit("default", 2);
        a.acked(new Batch(0, 0, 5), 90, 100);
        a.acked(new Batch(1, 0, 3), 90, 100);
        for (int s = 0; s < 5; s++) {
            if (s != 3) {
                a.delivered(Ids.pack(0, s), 150);
            }
        }
        a.delivered(Ids.pack(0, 1), 160);
        a.delivered(Ids.pack(1, 0), 170);
        a.delivered(Ids.pack(1, 1), 170);
        a.delivered(Ids.pack(1, 2), 170);
        a.delivered(Ids.pack(1, 7), 170);
        a.delivered(Ids.NONE, 170);
        a.delivered(Ids.pack(9, 0), 170);

        Histogram h = new Histogram(3_600_000_000L, 3);
        Histogram e2e = new Histogram(3_600_000_000L, 3);
        Audit.Result r = a.result(h, e2e, 0);

        assertThat(r.acked()).isEqualTo(8);
        assertThat(r.lost()).isEqualTo(1);
        assertThat(r.examples()).containsExactly("0.3");
        assertThat(r.duplicated()).isEqualTo(1);
        assertThat(r.unconfirmed()).isEqualTo(1);
        assertThat(r.foreign()).isEqualTo(2);
        assertThat(h.getTotalCount()).isEqualTo(7);
        assertThat(h.getMaxValue()).isEqualTo(70);
        assertThat(e2e.getMaxValue()).isEqualTo(80);
        assertThat(e2e.getMinValue()).isEqualTo(60);
        assertThat(a.complete()).isFalse();
        a.delivered(Ids.pack(0, 3), 200);
        assertThat(a.complete()).isTrue();
    }

    @Test
    void shouldGrowPastTheInitialCapacity() {
        Audit a = new Audit("g1", 1);
        a.acked(new Batch(0, 0, 5000), 1, 1);
        for (int s = 0; s < 5000; s++) {
            a.delivered(Ids.pack(0, s), 2);
        }
        assertThat(a.result(null, null, 0).lost()).isZero();
        assertThat(a.complete()).isTrue();
    }

    @Test
    void shouldParseIdentitiesFromPayloads() {
        assertThat(Ids.parse("12.345.xxxx")).isEqualTo(Ids.pack(12, 345));
        assertThat(Ids.parse("12.345")).isEqualTo(Ids.pack(12, 345));
        assertThat(Ids.parse("0.0".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).isEqualTo(Ids.pack(0, 0));
        assertThat(Ids.parse("x.1")).isEqualTo(Ids.NONE);
        assertThat(Ids.parse("1.")).isEqualTo(Ids.NONE);
        assertThat(Ids.parse("1.2x")).isEqualTo(Ids.NONE);
        assertThat(Ids.parse((String) null)).isEqualTo(Ids.NONE);
    }
}
