package io.jsocklnd.pcap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.AssertionFailedError;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tshark test utility: it fails (never skips) without tshark, finds it on the path, and parses its numbers
 * and aggregated field values.
 */
@Timeout(60)
class TsharkTest
{
    @Test
    void shouldFailWithInstallHintWhenTsharkIsMissing()
    {
        final AssertionFailedError error = assertThrows(
            AssertionFailedError.class, () -> Tshark.executableOn("/nonexistent-dir:/also-missing"));

        assertTrue(error.getMessage().contains("install it (apt-get install -y tshark); CI installs it"),
            error.getMessage());
    }

    @Test
    void shouldFindTsharkOnThePath()
    {
        assertTrue(Files.isExecutable(Tshark.executable()));
    }

    @Test
    void shouldParseDecimalAndUnsignedHexadecimalNumbers()
    {
        assertEquals(12345, Tshark.parseNumber("12345"));
        assertEquals(0xc1, Tshark.parseNumber("0x000000c1"));
        assertEquals(0x8000000000000000L, Tshark.parseNumber("0x8000000000000000"));
        assertEquals(-1L, Tshark.parseNumber("18446744073709551615"));
    }

    @Test
    void shouldSplitEveryOccurrenceOfAField()
    {
        final List<Tshark.Row> rows = Tshark.fields(SharedCaptures.synth(), List.of("-Y", "frame.number == 94"),
            "frame.number", "lnet.ksm_type", "lnet.msg_type");

        assertEquals(1, rows.size());
        assertEquals(94, rows.get(0).number("frame.number"));
        assertEquals(5, rows.get(0).all("lnet.ksm_type").size());
        assertEquals(List.of(), rows.get(0).all("lnet.msg_type"));
    }
}
