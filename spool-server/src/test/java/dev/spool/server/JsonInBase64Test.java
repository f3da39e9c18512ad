package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;

import com.fasterxml.jackson.core.JsonParser;
import org.junit.jupiter.api.Test;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * {@link JsonIn#readBase64} decodes a base64 string straight from the input's bytes, finding its end
 * eight bytes at a time: every length and alignment gives the bytes encoded, an escape anywhere
 * gives them too (through the string), and bad text is refused with the field named.
 */
class JsonInBase64Test {

    @Test
    void shouldDecodeEveryLengthAtEveryAlignmentAndAfterAnyPrefix() throws IOException {
        Random r = new Random(11);
        for (int n = 0; n <= 64; n++) {
            byte[] bytes = new byte[n];
            r.nextBytes(bytes);
            String b64 = Base64.getEncoder().encodeToString(bytes);
            for (int pad = 0; pad < 9; pad++) {
                String doc = "{" + " ".repeat(pad) + "\"v\":\"" + b64 + "\",\"after\":\"x\\\"y\"}";
                assertThat(read(doc, pad % 3)).as(doc).isEqualTo(bytes);
            }
        }
    }

    @Test
    void shouldDecodeTheSameBytesWhenTheTextHasAnEscapeAnywhere() throws IOException {
        byte[] bytes = new byte[50];
        new Random(3).nextBytes(bytes);
        String b64 = Base64.getEncoder().encodeToString(bytes);
        for (int at = 0; at < b64.length(); at++) {
            String escaped = b64.substring(0, at) + "\\u00" + Integer.toHexString(b64.charAt(at)) + b64.substring(at + 1);
            assertThat(read("{\"v\":\"" + escaped + "\"}", 0)).as(escaped).isEqualTo(bytes);
        }
        // an escape that decodes to a character base64 does not have is refused like any other
        assertThatThrownBy(() -> read("{\"v\":\"AAAA\\nAAA=\"}", 0)).isInstanceOfSatisfying(SpoolException.class,
                e -> assertThat(e.field()).contains("v"));
    }

    @Test
    void shouldRefuseTextThatIsNotBase64WithTheFieldNamed() {
        for (String bad : new String[] {"A", "AB=C", "not base64!", "AAAA AAAA", "\u00e9\u00e9\u00e9\u00e9"}) {
            assertThatThrownBy(() -> read("{\"v\":\"" + bad + "\"}", 1)).as(bad)
                    .isInstanceOfSatisfying(SpoolException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                        assertThat(e.field()).contains("v");
                    });
        }
    }

    @Test
    void shouldRefuseAnUnterminatedStringAsMalformed() {
        assertThatThrownBy(() -> read("{\"v\":\"AAAAAAAAAAAAAAAAAAAA", 0))
                .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
    }

    /** Reads field {@code v} of {@code doc} placed {@code offset} bytes into a larger array. */
    private static byte[] read(String doc, int offset) throws IOException {
        byte[] text = doc.getBytes(StandardCharsets.UTF_8);
        byte[] source = new byte[offset + text.length + 5];
        java.util.Arrays.fill(source, (byte) '"');
        System.arraycopy(text, 0, source, offset, text.length);
        try (JsonParser p = Json.factory().createParser(source, offset, text.length)) {
            JsonIn in = new JsonIn(p, source, offset, text.length);
            in.beginDocument("test");
            byte[] out = null;
            String f;
            while ((f = in.nextField()) != null) {
                if ("v".equals(f)) {
                    out = in.readBase64("v");
                } else {
                    in.skip();
                }
            }
            return out;
        }
    }
}
