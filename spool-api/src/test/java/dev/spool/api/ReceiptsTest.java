package dev.spool.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReceiptsTest {

    @Test
    void shouldRoundTripReceiptStrings() {
        String s = Receipts.format(0x0123456789abcdefL, 42);
        assertThat(s).isEqualTo("0123456789abcdef.42");
        Receipts r = Receipts.parse(List.of(s, Receipts.format(-1L, Integer.MAX_VALUE)), "receipts");
        assertThat(r.size()).isEqualTo(2);
        assertThat(r.id(0)).isEqualTo(0x0123456789abcdefL);
        assertThat(r.fence(0)).isEqualTo(42);
        assertThat(r.id(1)).isEqualTo(-1L);
        assertThat(r.fence(1)).isEqualTo(Integer.MAX_VALUE);
        assertThat(r.format(1)).isEqualTo("ffffffffffffffff.2147483647");
    }

    @Test
    void shouldRoundTripTaggedReceiptStrings() {
        String s = Receipts.format(0x0123456789abcdefL, 3, 0x00fedcba98765432L);
        assertThat(s).isEqualTo("0123456789abcdef.3.00fedcba98765432");
        Receipts r = Receipts.parse(List.of(s, "0123456789abcdef.3"), "receipts");
        assertThat(r.id(0)).isEqualTo(0x0123456789abcdefL);
        assertThat(r.fence(0)).isEqualTo(3);
        assertThat(r.tag(0)).isEqualTo(0x00fedcba98765432L);
        assertThat(r.tag(1)).isZero();
        assertThat(r.format(0)).isEqualTo(s);
        assertThat(r.format(1)).isEqualTo("0123456789abcdef.3");
        Delivery d = new Delivery(7, 2, 0, 0, MessageBody.of(Payload.EMPTY), -1L);
        assertThat(d.receipt()).isEqualTo("0000000000000007.2.ffffffffffffffff");
        assertThat(Receipts.of(List.of(d))).isEqualTo(Receipts.of(7, 2, -1L));
    }

    @Test
    void shouldConcatenateListsInOrder() {
        Receipts a = Receipts.parse(List.of("0000000000000001.1", "0000000000000002.5.00000000000000ab"), "r");
        Receipts b = Receipts.of(9, 3, 7);
        Receipts both = Receipts.concat(List.of(a, Receipts.empty(), b));
        assertThat(both.size()).isEqualTo(3);
        assertThat(both.format(0)).isEqualTo("0000000000000001.1");
        assertThat(both.format(1)).isEqualTo("0000000000000002.5.00000000000000ab");
        assertThat(both.id(2)).isEqualTo(9);
        assertThat(both.fence(2)).isEqualTo(3);
        assertThat(both.tag(2)).isEqualTo(7);
        assertThat(Receipts.concat(List.of())).isEqualTo(Receipts.empty());
    }

    @Test
    void shouldRejectNonCanonicalReceiptForms() {
        for (String bad : new String[] {"0123456789ABCDEF.1", "0123456789abcdef.01", "0123456789abcdef.00",
                "0123456789abcdef.1.00FEDCBA98765432", "0123456789abcdef.1.0000000000000000",
                "0123456789abcdef.1.fedcba98765432", "0123456789abcdef.1.00fedcba987654321",
                "0123456789abcdef.1.", "0123456789abcdef..00fedcba98765432", "0123456789abcdef.+1",
                "0123456789abcdef.1.00fedcba9876543g"}) {
            assertThatThrownBy(() -> Receipts.parse(List.of(bad), "receipts"))
                    .as(bad)
                    .isInstanceOfSatisfying(SpoolException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                        assertThat(e.field()).contains("receipts[0]");
                    });
        }
    }

    @Test
    void shouldRejectMalformedReceiptNamingItsIndex() {
        for (String bad : new String[] {"", "abc", "0123456789abcdef", "0123456789abcdef.", "0123456789abcdeg.1",
                "0123456789abcdef.-1", "0123456789abcdef.99999999999", "0123456789abcdef:1"}) {
            assertThatThrownBy(() -> Receipts.parse(List.of(Receipts.format(1, 1), bad), "receipts"))
                    .as(bad)
                    .isInstanceOfSatisfying(SpoolException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                        assertThat(e.field()).contains("receipts[1]");
                    });
        }
    }

    @Test
    void shouldFormatIdsSoThatStringOrderIsNumericOrder() {
        assertThat(MessageIds.format(255)).isEqualTo("00000000000000ff");
        assertThat(MessageIds.format(256).compareTo(MessageIds.format(255))).isPositive();
        assertThat(MessageIds.parse("00000000000000ff", "id")).isEqualTo(255);
        assertThatThrownBy(() -> MessageIds.parse("ff", "id")).isInstanceOf(SpoolException.class);
    }
}
