package io.jsocklnd.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ErrnoTest
{
    @ParameterizedTest(name = "errno {0} -> {1}")
    @CsvSource({
        "111, ConnectionRefusedException",
        "104, ConnectionResetException",
        "32, ConnectionResetException",
        "9, BadFileDescriptorException",
        "98, AddressInUseException",
        "110, TimedOutException",
        "71, NativeIoException",
        "116, NativeIoException"})
    void shouldMapEachErrnoToItsTypedException(final int errno, final String type)
    {
        final NativeIoException ex = Errno.newException("op", errno, null);

        assertEquals(type, ex.getClass().getSimpleName());
        assertEquals(errno, ex.errno());
        assertEquals("op", ex.op());
    }

    @Test
    void shouldWriteMessageAsLowercaseKeyValues()
    {
        final NativeIoException ex = Errno.newException("connect", Errno.ECONNREFUSED, "fd=7, address=/127.0.0.1:9");

        assertEquals("connect failed: errno=111, name=ECONNREFUSED, text=Connection refused, fd=7, " +
            "address=/127.0.0.1:9", ex.getMessage());
    }

    @Test
    void shouldNameErrnoValues()
    {
        assertEquals("EAGAIN", Errno.name(Errno.EAGAIN));
        assertEquals("EPIPE", Errno.name(Errno.EPIPE));
        assertEquals("ESTALE", Errno.name(Errno.ESTALE));
        assertEquals("errno4095", Errno.name(4095));
    }

    @Test
    void shouldTreatEagainAsWouldBlockAndKeepProgress() throws Exception
    {
        assertEquals(0, Errno.ioResult("write", -Errno.EAGAIN));
        assertEquals(0, Errno.ioResult("write", 0));
        assertEquals(4096, Errno.ioResult("write", 4096));
        assertEquals(-1, Errno.readResult("read", 0));
        assertEquals(0, Errno.readResult("read", -Errno.EAGAIN));
        assertEquals(17, Errno.readResult("read", 17));
    }

    @Test
    void shouldThrowTypedExceptionForOtherNegativeResults()
    {
        final NativeIoException reset =
            assertThrows(NativeIoException.class, () -> Errno.ioResult("write", -Errno.ECONNRESET));
        assertInstanceOf(ConnectionResetException.class, reset);
        final NativeIoException again =
            assertThrows(NativeIoException.class, () -> Errno.check("accept", -Errno.EAGAIN));
        assertEquals(Errno.EAGAIN, again.errno());
        assertSame(NativeIoException.class, again.getClass());
    }
}
