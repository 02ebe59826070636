package io.jsocklnd.nativeio;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;

/**
 * Loads libjsl once and says whether it is usable: {@link #isAvailable()}, {@link #ensureAvailable()} and
 * {@link #unavailabilityCause()} naming exactly why not (missing file, dlopen error, wrong ABI or layout).
 * <p>
 * The library comes from the path in system property {@value #LIBRARY_PATH_PROPERTY} when set, else from the
 * classpath resource {@value #RESOURCE}, extracted to a temporary file.
 */
public final class JslNative
{
    /** System property holding an absolute path of libjsl.so; overrides the copy in the jar. */
    public static final String LIBRARY_PATH_PROPERTY = "jsocklnd.native.lib";
    /** Where the jar carries libjsl.so. */
    public static final String RESOURCE = "/io/jsocklnd/nativeio/linux-x86_64/libjsl.so";

    private static final LibJsl LIB;
    private static final Throwable CAUSE;
    private static final int PAGE_SIZE;

    static
    {
        final Outcome outcome = load(System.getProperty(LIBRARY_PATH_PROPERTY));
        LIB = outcome.lib;
        CAUSE = outcome.cause;
        PAGE_SIZE = outcome.lib == null ? -1 : (int)outcome.lib.jsl_page_size();
    }

    private JslNative()
    {
    }

    /**
     * Whether libjsl loaded and agrees with every Java constant and layout.
     */
    public static boolean isAvailable()
    {
        return LIB != null;
    }

    /**
     * Why libjsl is not usable, or null when it is.
     */
    public static Throwable unavailabilityCause()
    {
        return CAUSE;
    }

    /**
     * Returns quietly when libjsl is usable.
     *
     * @throws UnsatisfiedLinkError carrying {@link #unavailabilityCause()} when it is not.
     */
    public static void ensureAvailable()
    {
        if (LIB == null)
        {
            throw (UnsatisfiedLinkError)new UnsatisfiedLinkError("libjsl unavailable: " + CAUSE.getMessage())
                .initCause(CAUSE);
        }
    }

    /**
     * The binding, for hot paths that check result signs themselves.
     *
     * @throws UnsatisfiedLinkError when libjsl is not usable.
     */
    public static LibJsl lib()
    {
        if (LIB == null)
        {
            ensureAvailable();
        }
        return LIB;
    }

    static int pageSize()
    {
        ensureAvailable();
        return PAGE_SIZE;
    }

    /**
     * Result of one load attempt: the checked binding, or the reason there is none.
     */
    static final class Outcome
    {
        final LibJsl lib;
        final Path path;
        final Throwable cause;

        Outcome(final LibJsl lib, final Path path, final Throwable cause)
        {
            this.lib = lib;
            this.path = path;
            this.cause = cause;
        }
    }

    /**
     * Loads and checks libjsl from path, or from the jar when path is null or empty; never throws.
     */
    static Outcome load(final String path)
    {
        final String os = System.getProperty("os.name");
        final String arch = System.getProperty("os.arch");
        if (!"Linux".equals(os) || !("amd64".equals(arch) || "x86_64".equals(arch)))
        {
            return new Outcome(null, null, new UnsupportedOperationException(
                "unsupported platform: os=" + os + ", arch=" + arch + ", supported=Linux/x86_64"));
        }

        final Path file;
        try
        {
            file = path == null || path.isEmpty() ? extractResource() : Path.of(path).toAbsolutePath();
        }
        catch (final IOException | RuntimeException ex)
        {
            return new Outcome(null, null, ex);
        }
        if (!Files.isRegularFile(file))
        {
            return new Outcome(null, file, new FileNotFoundException(
                "native library missing: path=" + file + ", property=" + LIBRARY_PATH_PROPERTY));
        }

        final LibJsl lib;
        try
        {
            lib = loadUnchecked(file);
        }
        catch (final Throwable ex)
        {
            return new Outcome(null, file, new UnsatisfiedLinkError(
                "dlopen failed: path=" + file + ", error=" + ex.getMessage()).initCause(ex));
        }

        try
        {
            final int abi = lib.jsl_abi_version();
            if (abi != NativeConstants.JSL_ABI_VERSION)
            {
                return new Outcome(null, file, new UnsatisfiedLinkError("native library has another abi: path=" +
                    file + ", java=" + NativeConstants.JSL_ABI_VERSION + ", native=" + abi));
            }
            final List<String> mismatches =
                NativeLayout.mismatches(NativeLayout.expectedValues(), NativeLayout.nativeValues(lib));
            if (!mismatches.isEmpty())
            {
                return new Outcome(null, file, new UnsatisfiedLinkError("native layout differs from java: path=" +
                    file + ", mismatches=" + mismatches));
            }
        }
        catch (final Throwable ex)
        {
            return new Outcome(null, file, new UnsatisfiedLinkError(
                "native library check failed: path=" + file + ", error=" + ex).initCause(ex));
        }
        return new Outcome(lib, file, null);
    }

    /**
     * Binds libjsl at file without checking its ABI or layout.
     */
    static LibJsl loadUnchecked(final Path file)
    {
        return LibraryLoader.create(LibJsl.class)
            .option(LibraryOption.IgnoreError, Boolean.TRUE)
            .option(LibraryOption.LoadNow, Boolean.TRUE)
            .failImmediately()
            .load(file.toString());
    }

    private static Path extractResource() throws IOException
    {
        try (InputStream in = JslNative.class.getResourceAsStream(RESOURCE))
        {
            if (in == null)
            {
                throw new FileNotFoundException("native library missing: resource=" + RESOURCE +
                    ", property=" + LIBRARY_PATH_PROPERTY + " (unset)");
            }
            final Path file = Files.createTempFile("libjsl-", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        }
    }
}
