package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class EntryQueueTest {

    private static Msg ready(long id) {
        Msg m = new Msg(id, null, (byte) 0, null, Long.MAX_VALUE);
        m.state = Entry.READY;
        return m;
    }

    @Test
    void shouldPollInIdOrderAcrossRingAndHeap() {
        EntryQueue q = new EntryQueue();
        Random r = new Random(7);
        TreeSet<Long> expected = new TreeSet<>();
        List<Msg> late = new ArrayList<>();
        for (long id = 1; id <= 2000; id++) {
            Msg m = ready(id);
            if (r.nextInt(4) == 0) {
                late.add(m);
            } else {
                m.stamp++;
                q.append(m);
            }
            expected.add(id);
        }
        for (Msg m : late) {
            m.stamp++;
            q.insert(m);
        }
        List<Long> polled = new ArrayList<>();
        Entry e;
        while ((e = q.poll()) != null) {
            polled.add(e.id());
            e.state = Entry.IN_FLIGHT;
        }
        assertThat(polled).containsExactlyElementsOf(expected);
    }

    @Test
    void shouldSkipEntriesThatLeftOrWereReinserted() {
        EntryQueue q = new EntryQueue();
        Msg a = ready(1);
        Msg b = ready(2);
        Msg c = ready(3);
        for (Msg m : List.of(a, b, c)) {
            m.stamp++;
            q.append(m);
        }
        b.state = Entry.IN_FLIGHT;
        a.stamp++;
        q.insert(a);
        assertThat(q.poll()).isSameAs(a);
        a.state = Entry.IN_FLIGHT;
        assertThat(q.poll()).isSameAs(c);
        c.state = Entry.IN_FLIGHT;
        assertThat(q.poll()).isNull();
        assertThat(q.isEmpty()).isTrue();
    }
}
