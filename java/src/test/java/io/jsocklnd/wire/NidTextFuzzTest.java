package io.jsocklnd.wire;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary text as a nid4, a large NID, a network and a process id: each parser either refuses it with an
 * {@link IllegalArgumentException} naming the text, or returns a value whose printed form parses back to it.
 */
@Timeout(60)
class NidTextFuzzTest
{
    @FuzzTest
    void fuzzNidText(final FuzzedDataProvider data)
    {
        final String text = data.consumeRemainingAsString();

        try
        {
            final long nid = Nid.parse(text);
            final String printed = Nid.toString(nid);
            assertEquals(nid, Nid.parse(printed), printed);
            assertEquals(printed, Nid.toString(Nid.parse(printed)));
            if (Nid.lndType(nid) < WireConstants.LNET_NID_TYPE_ANY)
            {
                assertEquals(LargeNid.fromNid4(nid), LargeNid.parse(printed));
            }
        }
        catch (final IllegalArgumentException ex)
        {
            assertNamesText(ex, text);
        }

        try
        {
            final LargeNid nid = LargeNid.parse(text);
            final String printed = nid.toString();
            assertEquals(nid, LargeNid.parse(printed), printed);
        }
        catch (final IllegalArgumentException ex)
        {
            assertNamesText(ex, text);
        }

        try
        {
            final int net = Nid.parseNet(text);
            assertEquals(net, Nid.parseNet(Nid.netToString(net)));
        }
        catch (final IllegalArgumentException ex)
        {
            assertNamesText(ex, text);
        }

        try
        {
            final ProcessId id = ProcessId.parse(text);
            assertEquals(id, ProcessId.parse(id.toString()));
        }
        catch (final IllegalArgumentException ex)
        {
            assertTrue(ex.getMessage().contains("text="), ex.getMessage());
        }
    }

    private static void assertNamesText(final IllegalArgumentException ex, final String text)
    {
        assertTrue(ex.getMessage().endsWith("text=" + text), ex.getMessage());
    }
}
