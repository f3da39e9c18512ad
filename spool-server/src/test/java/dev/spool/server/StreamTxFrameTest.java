package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/**
 * A {@code tx} frame's ops are read in the frame's routing pass (one parse per lock cycle) only
 * when {@code op} comes before {@code ops} and the frame has no other field; otherwise, and when
 * they fail to read, the tx reader reads the frame itself and reports its errors with {@code req}.
 */
class StreamTxFrameTest {
    @Test
    void shouldReadTxOpsInTheRoutingPassOnlyWhenOpComesFirstAndNothingElseIsThere() {
        String ops = "\"ops\":[{\"op\":\"acquire\",\"lock\":\"f\",\"owner\":\"o\",\"ttl_ms\":1000},"
                + "{\"op\":\"release\",\"lock\":\"f\"}]";
        StreamFrame first = StreamFrame.of(utf8("{\"op\":\"tx\"," + ops + ",\"req\":3}"),
                dev.spool.api.BrokerLimits.DEFAULTS);
        assertThat(first.txOps()).hasSize(2);
        assertThat(first.req()).isEqualTo(3L);
        assertThat(StreamLocks.readTx(first, dev.spool.api.BrokerLimits.DEFAULTS)).isSameAs(first.txOps());

        // op after ops: read by the tx reader's own pass, with the same ops
        StreamFrame last = StreamFrame.of(utf8("{" + ops + ",\"op\":\"tx\"}"), dev.spool.api.BrokerLimits.DEFAULTS);
        assertThat(last.txOps()).isNull();
        assertThat(StreamLocks.readTx(last, dev.spool.api.BrokerLimits.DEFAULTS)).hasSize(2)
                .isEqualTo(first.txOps());

        // a field a tx frame does not have: refused by the tx reader, as before
        StreamFrame extra = StreamFrame.of(utf8("{\"op\":\"tx\"," + ops + ",\"queue\":\"q\"}"),
                dev.spool.api.BrokerLimits.DEFAULTS);
        assertThat(extra.txOps()).isNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> StreamLocks.readTx(extra, dev.spool.api.BrokerLimits.DEFAULTS))
                .isInstanceOfSatisfying(dev.spool.api.SpoolException.class,
                        e -> assertThat(e.field()).contains("queue"));

        // ops that fail to read: the frame is scanned again, keeps its req, and the failure comes from readTx
        StreamFrame bad = StreamFrame.of(utf8("{\"op\":\"tx\",\"ops\":[{\"op\":\"nope\"}],\"req\":\"r\"}"),
                dev.spool.api.BrokerLimits.DEFAULTS);
        assertThat(bad.req()).isEqualTo("r");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> StreamLocks.readTx(bad, dev.spool.api.BrokerLimits.DEFAULTS))
                .isInstanceOfSatisfying(dev.spool.api.SpoolException.class,
                        e -> assertThat(e.field()).contains("ops[0].op"));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
