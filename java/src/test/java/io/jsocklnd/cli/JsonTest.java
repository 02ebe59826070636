package io.jsocklnd.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The command's JSON reader: values of every type, escapes, and rejection of what is not JSON.
 */
@Timeout(10)
class JsonTest
{
    @Test
    void shouldReadEveryValueType()
    {
        final Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", 1L);
        expected.put("b", -2.5e3);
        expected.put("c", "x\"\\/\n\u00e9");
        expected.put("d", Arrays.asList(true, false, null, List.of()));
        expected.put("e", Map.of());
        expected.put("f", Long.MIN_VALUE);
        assertEquals(expected, Json.parseObject(
            " {\"a\":1, \"b\" : -2.5e3,\"c\":\"x\\\"\\\\\\/\\n\\u00e9\",\"d\":[true,false,null,[]],\"e\":{}," +
            "\"f\":-9223372036854775808}\n"));
    }

    @Test
    void shouldQuoteWhatItReadsBack()
    {
        final String text = "tab\there \"quoted\" back\\slash \u0001";
        assertEquals(text, Json.parse(Json.quote(new StringBuilder(), text).toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "{\"a\":}", "{\"a\":1,}", "[1 2]", "01", "1.", "\"open", "{\"a\":1}x",
        "{\"a\":1,\"a\":2}", "nul", "\"\\x\"", "99999999999999999999", "{a:1}"})
    void shouldRejectWhatIsNotJson(final String text)
    {
        assertThrows(IllegalArgumentException.class, () -> Json.parse(text));
    }
}
