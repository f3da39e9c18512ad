package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonParser;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spool.api.SpoolException;

/**
 * {@link JsonIn#readRawValue} over one byte array slices each value out of the input as written,
 * whatever follows it and wherever the input starts in its array, and still refuses malformed values.
 */
class JsonInRawValueTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "\"plain\"", "\"esc \\\" \\\\ \\u00e9 \\n\"", "\"h\u00e9llo \u20ac \uD83D\uDE00\"", "\"\"",
        "123", "-0.5e10", "0", "true", "false", "null",
        "{ \"a\" : [1, 2 , {\"b\":null}],\n \"c\":\"}\" }", "[ ]", "{}", "[\"]\", 1.5, [[]]]"})
    void shouldSliceEachValueAsWrittenWhenFollowedByAnything(String value) throws IOException {
        for (String doc : List.of("{\"v\":" + value + "}", "{\"v\": " + value + " ,\"w\":1}")) {
            assertThat(values(doc, false)).as(doc).containsExactly(value);
        }
        String array = "{\"v\":[" + value + "," + value + " ]}";
        assertThat(values(array, true)).as(array).containsExactly(value, value);
        byte[] inside = ("xx{\"w\":0,\"v\":" + value + "}yy").getBytes(StandardCharsets.UTF_8);
        try (JsonParser p = Json.factory().createParser(inside, 2, inside.length - 4)) {
            JsonIn in = new JsonIn(p, inside, 2, inside.length - 4);
            in.beginDocument("test");
            assertThat(in.nextField()).isEqualTo("w");
            in.skip();
            assertThat(in.nextField()).isEqualTo("v");
            assertThat(new String(in.readRawValue(), StandardCharsets.UTF_8)).isEqualTo(value);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"v\":\"bad \u0001 control\"}", "{\"v\":{\"a\":1,}}", "{\"v\":[1 2]}",
        "{\"v\":\"open", "{\"v\":tru}"})
    void shouldRefuseMalformedValueWhenSlicing(String doc) {
        assertThatThrownBy(() -> values(doc, false)).isInstanceOfAny(IOException.class, SpoolException.class);
    }

    /** The raw values of field {@code v} (each element when it is an array of several). */
    private static List<String> values(String doc, boolean elements) throws IOException {
        byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        try (JsonParser p = Json.factory().createParser(bytes)) {
            JsonIn in = new JsonIn(p, bytes);
            in.beginDocument("test");
            String f;
            while ((f = in.nextField()) != null) {
                if (f.equals("v") && elements) {
                    out.addAll(elements(in));
                } else if (f.equals("v")) {
                    out.add(new String(in.readRawValue(), StandardCharsets.UTF_8));
                } else {
                    in.skip();
                }
            }
        }
        return out;
    }

    private static List<String> elements(JsonIn in) throws IOException {
        List<String> out = new ArrayList<>();
        while (in.next() != com.fasterxml.jackson.core.JsonToken.END_ARRAY) {
            out.add(new String(in.readRawValue(), StandardCharsets.UTF_8));
        }
        return out;
    }
}
