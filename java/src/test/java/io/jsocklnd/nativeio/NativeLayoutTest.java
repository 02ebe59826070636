package io.jsocklnd.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reads libjsl's constant table through a binding that skips the load-time check, so a difference shows as the
 * failing entry instead of as an unavailable library.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NativeLayoutTest
{
    private static Map<String, Long> nativeValues()
    {
        final LibJsl lib = JslNative.loadUnchecked(Path.of(System.getProperty(JslNative.LIBRARY_PATH_PROPERTY)));
        return NativeLayout.nativeValues(lib);
    }

    static Stream<Arguments> nativeEntries()
    {
        return nativeValues().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("nativeEntries")
    void shouldMatchTheJavaValueOfEveryNativeConstant(final String name, final long nativeValue)
    {
        final Long javaValue = NativeLayout.expectedValues().get(name);

        assertEquals(Long.valueOf(nativeValue), javaValue, "name=" + name);
    }

    @Test
    void shouldHaveANativeValueForEveryJavaConstant()
    {
        final Map<String, Long> actual = nativeValues();

        assertEquals(NativeLayout.expectedValues().keySet(), actual.keySet());
        assertEquals(List.of(), NativeLayout.mismatches(NativeLayout.expectedValues(), actual));
    }

    @Test
    void shouldDescribeEachDifferenceAsKeyValueText()
    {
        final Map<String, Long> actual = new LinkedHashMap<>(nativeValues());
        actual.put("EAGAIN", 35L);
        actual.remove("sizeof(struct msghdr)");
        actual.put("EXTRA_NATIVE", 3L);

        final List<String> mismatches = NativeLayout.mismatches(NativeLayout.expectedValues(), actual);

        assertEquals(List.of(
            "name=EAGAIN, java=11, native=35",
            "name=sizeof(struct msghdr), java=56, native=absent",
            "name=EXTRA_NATIVE, java=absent, native=3"), mismatches);
    }

    @Test
    void shouldPackEpollEventTo12BytesWithDataUnalignedAt4()
    {
        final Map<String, Long> actual = nativeValues();

        assertEquals(12L, actual.get("sizeof(struct epoll_event)"));
        assertEquals(4L, actual.get("offsetof(struct epoll_event, data)"));
        assertTrue(actual.size() > 100, "table size " + actual.size());
    }
}
