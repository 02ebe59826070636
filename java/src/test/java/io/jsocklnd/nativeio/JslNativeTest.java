package io.jsocklnd.nativeio;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class JslNativeTest
{
    @TempDir
    Path tempDir;

    @Test
    void shouldBeAvailableWithTheLibraryNamedByTheSystemProperty()
    {
        assertNotNull(System.getProperty(JslNative.LIBRARY_PATH_PROPERTY), "surefire sets the library path");
        assertTrue(JslNative.isAvailable(), () -> "cause: " + JslNative.unavailabilityCause());
        assertNull(JslNative.unavailabilityCause());
        assertDoesNotThrow(JslNative::ensureAvailable);
        assertEquals(12345, JslNative.lib().jsl_noop(12345));
    }

    @Test
    void shouldNameTheMissingPathWhenTheLibraryFileDoesNotExist()
    {
        final Path missing = tempDir.resolve("no-such-dir/libjsl.so");

        final JslNative.Outcome outcome = JslNative.load(missing.toString());

        assertNull(outcome.lib);
        assertInstanceOf(FileNotFoundException.class, outcome.cause);
        assertEquals("native library missing: path=" + missing + ", property=jsocklnd.native.lib",
            outcome.cause.getMessage());
    }

    @Test
    void shouldReportDlopenFailureForAFileThatIsNotALibrary() throws Exception
    {
        final Path notElf = tempDir.resolve("libjsl.so");
        Files.write(notElf, "not an ELF file".getBytes(StandardCharsets.US_ASCII));

        final JslNative.Outcome outcome = JslNative.load(notElf.toString());

        assertNull(outcome.lib);
        assertInstanceOf(UnsatisfiedLinkError.class, outcome.cause);
        assertTrue(outcome.cause.getMessage().startsWith("dlopen failed: path=" + notElf + ", error="),
            outcome.cause.getMessage());
    }

    @Test
    void shouldExtractAndLoadTheCopyInTheJarWhenNoPathIsGiven()
    {
        assertNotNull(JslNative.class.getResource(JslNative.RESOURCE), "resource " + JslNative.RESOURCE);

        final JslNative.Outcome outcome = JslNative.load(null);

        assertNull(outcome.cause);
        assertNotNull(outcome.lib);
        assertTrue(outcome.path.getFileName().toString().startsWith("libjsl-"), outcome.path.toString());
        assertEquals(NativeConstants.JSL_ABI_VERSION, outcome.lib.jsl_abi_version());
    }

    @Test
    void shouldLoadTheSameFileTwiceWithBothCallable()
    {
        final JslNative.Outcome outcome = JslNative.load(System.getProperty(JslNative.LIBRARY_PATH_PROPERTY));

        assertNull(outcome.cause);
        assertEquals(-7, outcome.lib.jsl_noop(-7));
        assertEquals(7, JslNative.lib().jsl_noop(7));
    }
}
