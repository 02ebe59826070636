package io.jsocklnd.cli;

import io.jsocklnd.decode.DecodedRecord;
import io.jsocklnd.decode.StreamDissector;
import io.jsocklnd.pcap.Capture;
import io.jsocklnd.pcap.CaptureFormatException;
import io.jsocklnd.pcap.CaptureReader;
import io.jsocklnd.pcap.TcpConversation;
import io.jsocklnd.wire.WireConstants;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jsocklnd decode}: dissects the socklnd conversations of a pcap or pcapng capture and prints one JSON
 * object per socklnd message (see {@link io.jsocklnd.decode.DecodedRecord} for the keys), or with
 * {@code --summary} a table per stream and the ZC cookie flow ({@link CaptureSummary}).
 */
@Command(
    name = "decode",
    mixinStandardHelpOptions = true,
    versionProvider = Jsocklnd.Version.class,
    description = {
        "Dissect the socklnd traffic of a pcap/pcapng capture.",
        "Decodes acceptor requests, V1-V4 hellos, NOOP and LNET ksock headers,",
        "LNet headers and V1 messages, in either byte order. Prints one JSON",
        "object per message, ordered by the frame that completes it: kind",
        "connreq, hello, noop, lnet or v1 (gap, skipped, error: bytes not",
        "captured or not decodable). --summary prints a table per stream and",
        "the ZC cookie flow instead."})
public final class DecodeCommand implements Callable<Integer>
{
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "capture file (.pcap or .pcapng)")
    private Path file;

    @Option(names = "--summary", description = "print per-stream tables and the ZC cookie flow instead of JSON")
    private boolean summary;

    @Option(names = "--port", paramLabel = "N", defaultValue = "" + WireConstants.LNET_ACCEPT_PORT,
        description = "acceptor port: conversations with an endpoint on it are decoded (default: ${DEFAULT-VALUE})")
    private int port;

    @Override
    public Integer call() throws IOException
    {
        if (port < 1 || port > 65535)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "port out of range: port=" + port);
        }
        final Capture capture = read(file);
        final List<TcpConversation> conversations;
        final List<DecodedRecord> records;
        try
        {
            conversations = capture.conversations(port);
            records = StreamDissector.dissect(conversations);
        }
        catch (final CaptureFormatException | IllegalArgumentException ex)
        {
            throw new IOException("cannot decode " + file + ": " + ex.getMessage(), ex);
        }
        final PrintWriter out = spec.commandLine().getOut();
        if (conversations.isEmpty())
        {
            spec.commandLine().getErr().println("decode: no TCP conversation on port " + port + " in " + file);
            spec.commandLine().getErr().flush();
        }
        if (summary)
        {
            out.print(CaptureSummary.of(conversations, records, port).render());
        }
        else
        {
            for (final DecodedRecord record : records)
            {
                out.println(record.toJson());
            }
        }
        out.flush();
        return Jsocklnd.EXIT_OK;
    }

    private static Capture read(final Path file) throws IOException
    {
        if (!Files.isRegularFile(file))
        {
            throw new NoSuchFileException(file.toString(), null, "no such capture file");
        }
        try
        {
            return CaptureReader.read(file);
        }
        catch (final CaptureFormatException ex)
        {
            throw new IOException("not a readable pcap/pcapng capture: " + file + ": " + ex.getMessage(), ex);
        }
    }
}
