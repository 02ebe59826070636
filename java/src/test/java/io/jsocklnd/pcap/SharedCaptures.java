package io.jsocklnd.pcap;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The two reference captures of {@code shared/pcaps}, located through the system property
 * {@code jsocklnd.shared.dir} that surefire passes.
 */
public final class SharedCaptures
{
    /** Real capture between two Lustre nodes (pcapng, Ethernet). */
    public static final String NDPI = "ndpi_lustre.pcapng";
    /** Synthetic V2/V3 capture with ZC cookies, NOOPs and multi-segment payloads (pcap, Ethernet). */
    public static final String SYNTH = "lnet_oracle_synth.pcap";

    private SharedCaptures()
    {
    }

    /**
     * The directory holding the captures: {@code jsocklnd.shared.dir/pcaps}. The property is derived from the
     * directory Maven starts in, so when Maven starts inside {@code java/} it names a {@code shared} directory one
     * level too deep; then the nearest ancestor's {@code shared/pcaps} is used.
     *
     * @return the directory holding the captures.
     */
    public static Path dir()
    {
        final String shared = System.getProperty("jsocklnd.shared.dir");
        if (shared == null)
        {
            fail("system property jsocklnd.shared.dir is not set (surefire sets it to the shared directory)");
        }
        final Path configured = Path.of(shared).toAbsolutePath().normalize();
        Path dir = configured.resolve("pcaps");
        for (Path ancestor = configured.getParent(); !Files.isDirectory(dir) && ancestor != null;
            ancestor = ancestor.getParent())
        {
            final Path sibling = ancestor.resolveSibling("shared").resolve("pcaps");
            if (Files.isDirectory(sibling))
            {
                dir = sibling;
            }
        }
        assertTrue(Files.isDirectory(dir), "capture directory missing: " + configured.resolve("pcaps") +
            " (from jsocklnd.shared.dir) and no shared/pcaps in its ancestors");
        return dir;
    }

    /**
     * @param name file name of one capture.
     * @return its path.
     */
    public static Path path(final String name)
    {
        final Path file = dir().resolve(name);
        assertTrue(Files.isRegularFile(file), "capture missing: " + file);
        return file;
    }

    /**
     * @return the ndpi capture.
     */
    public static Path ndpi()
    {
        return path(NDPI);
    }

    /**
     * @return the synthetic capture.
     */
    public static Path synth()
    {
        return path(SYNTH);
    }
}
