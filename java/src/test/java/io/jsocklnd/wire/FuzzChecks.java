package io.jsocklnd.wire;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every refusal must look like, shared by the fuzz targets.
 */
final class FuzzChecks
{
    private FuzzChecks()
    {
    }

    static void assertNamed(final ProtocolException ex, final String context)
    {
        assertNotNull(ex.field());
        assertTrue(ex.getMessage().startsWith(context + ": field=" + ex.field() + " value="), ex.getMessage());
    }
}
