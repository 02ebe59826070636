package io.jsocklnd.pcap;

/**
 * The container format of a capture file.
 */
public enum CaptureFormat
{
    /** Classic libpcap file: 24-byte global header, 16-byte record headers. */
    PCAP,
    /** pcapng: blocks, one or more sections, per-interface link type and timestamp resolution. */
    PCAPNG
}
