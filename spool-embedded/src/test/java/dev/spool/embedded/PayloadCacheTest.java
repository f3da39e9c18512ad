package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.spool.api.MessageBody;
import dev.spool.api.Payload;
import dev.spool.api.QueueConfig;

class PayloadCacheTest {
    private final QueueState q = new QueueState(1, "q", QueueConfig.DEFAULTS, 0);
    private long nextId = 1;

    private Msg msg(int size, long location) {
        Msg m = new Msg(nextId++, q, (byte) 0, null, Long.MAX_VALUE);
        m.body = MessageBody.of(Payload.of(new byte[size]));
        m.location = location;
        return m;
    }

    @Test
    void shouldNotKeepDeletedMessagesLinkedBehindAnOldCachedOne() {
        PayloadCache cache = new PayloadCache(1 << 20);
        Msg old = msg(100, 1);
        cache.add(old);
        for (int i = 0; i < 100_000; i++) {
            Msg m = msg(100, 2 + i);
            cache.add(m);
            cache.deleted(m);
            cache.trim(Long.MAX_VALUE);
        }

        assertThat(cache.size()).isEqualTo(1);
        assertThat(cache.bytes()).isEqualTo(100);
        assertThat(old.cacheNext).isNull();
    }

    @Test
    void shouldDropOldestDurablePayloadsPastTheBudgetOnly() {
        PayloadCache cache = new PayloadCache(250);
        Msg a = msg(100, 10);
        Msg b = msg(100, 20);
        Msg c = msg(100, 30);
        cache.add(a);
        cache.add(b);
        cache.add(c);

        cache.trim(15);
        assertThat(a.body).isNull();
        assertThat(b.body).isNotNull();
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.bytes()).isEqualTo(200);

        cache.deleted(c);
        cache.trim(Long.MAX_VALUE);
        assertThat(cache.size()).isEqualTo(1);
        assertThat(cache.bytes()).isEqualTo(100);
        assertThat(b.body).isNotNull();
    }
}
