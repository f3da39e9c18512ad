package dev.spool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class FramesTest {

    @Test
    void shouldReadIdentitiesAndReceiptsOfAPopReply() {
        String reply = "{\"messages\":[{\"id\":\"1a207d5396100000\",\"receipt\":\"1a207d5396100000.1\",\"attempts\":1,"
                + "\"headers\":{\"a\":\"b\"},\"payload\":\"3.17.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"},"
                + "{\"receipt\":\"1a207d5396500000.2\",\"payload\":{\"order\":42}}]}";
        Frames.Frame f = Frames.parse(Buffer.buffer(reply));
        assertThat(f.deliveries()).isEqualTo(2);
        assertThat(f.ids[0]).isEqualTo(Ids.pack(3, 17));
        assertThat(f.ids[1]).isEqualTo(Ids.NONE);
        assertThat(f.receipts).containsExactly("1a207d5396100000.1", "1a207d5396500000.2");
    }

    @Test
    void shouldCountAckOutcomes() {
        Frames.Frame f = Frames.parse("{\"op\":\"ok\",\"req\":42,\"results\":[{\"receipt\":\"a.1\",\"status\":\"ok\"},"
                + "{\"receipt\":\"b.1\",\"status\":\"stale\"},{\"receipt\":\"c.1\",\"status\":\"ok\"}]}");
        assertThat(f.op).isEqualTo("ok");
        assertThat(f.req).isEqualTo(42);
        assertThat(f.ok).isEqualTo(2);
        assertThat(f.notOk).isEqualTo(1);
        assertThat(f.firstBadStatus).isEqualTo("stale");
    }

    @Test
    void shouldReadStreamFramesAndErrors() {
        Frames.Frame m = Frames.parse("{\"op\":\"messages\",\"sub\":\"c\",\"messages\":[{\"payload\":\"0.5\","
                + "\"receipt\":\"r.1\"}]}");
        assertThat(m.op).isEqualTo("messages");
        assertThat(m.sub).isEqualTo("c");
        assertThat(m.ids[0]).isEqualTo(Ids.pack(0, 5));
        Frames.Frame e = Frames.parse("{\"op\":\"error\",\"sub\":\"c\",\"error\":{\"code\":\"too_many_requests\","
                + "\"message\":\"full\"}}");
        assertThat(e.error).isEqualTo("code=too_many_requests, message=full");
        assertThat(e.req).isEqualTo(-1);
        assertThat(Frames.parse("{\"op\":\"ok\",\"req\":\"p-1\"}").req).isEqualTo(-1);
    }

    @Test
    void shouldGrowPastEightDeliveries() {
        StringBuilder sb = new StringBuilder("{\"messages\":[");
        for (int i = 0; i < 20; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"payload\":\"1.").append(i).append("\",\"receipt\":\"r").append(i)
                    .append(".1\"}");
        }
        Frames.Frame f = Frames.parse(sb.append("]}").toString());
        assertThat(f.deliveries()).isEqualTo(20);
        assertThat(f.ids[19]).isEqualTo(Ids.pack(1, 19));
    }
}
