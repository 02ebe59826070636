package io.jsocklnd.lnd;

import io.jsocklnd.wire.LnetHeaderFlyweight;

import static org.agrona.BitUtil.SIZE_OF_INT;
import static org.agrona.BitUtil.SIZE_OF_LONG;

/**
 * Layout of a send in the application-to-IO ring buffer, and of a completion in the way back.
 * <pre>
 *   0: correlation id (8)   8: dst NID (8)   16: dst PID (4)   20: payload length (4)
 *  24: payload address (8) 32: file offset (8)  40: file descriptor (4) 44: unused (4)
 *  48: LNet header, nid4, 72 bytes
 * </pre>
 * A {@link #SEND_MSG_TYPE} record sends the payload at the address; a {@link #SEND_FILE_MSG_TYPE} record
 * sends a region of an open file (descriptor and offset), by sendfile.
 * A completion is the correlation id (8) and the status (4).
 */
final class SendCommand
{
    /** Ring message type of a send. */
    public static final int SEND_MSG_TYPE = 1;
    /** Ring message type of a completion. */
    /** Ring message type of a send whose payload is a file region. */
    public static final int SEND_FILE_MSG_TYPE = 3;
    /** Ring message type asking to close every connection to the peer in the destination NID field. */
    public static final int DISCONNECT_MSG_TYPE = 4;

    /** Offset of the correlation id. */
    public static final int CORRELATION_ID_OFFSET = 0;
    /** Offset of the destination NID. */
    public static final int DST_NID_OFFSET = CORRELATION_ID_OFFSET + SIZE_OF_LONG;
    /** Offset of the destination PID. */
    public static final int DST_PID_OFFSET = DST_NID_OFFSET + SIZE_OF_LONG;
    /** Offset of the payload length. */
    public static final int PAYLOAD_LENGTH_OFFSET = DST_PID_OFFSET + SIZE_OF_INT;
    /** Offset of the payload's native address. */
    public static final int PAYLOAD_ADDRESS_OFFSET = PAYLOAD_LENGTH_OFFSET + SIZE_OF_INT;
    /** Offset of the file offset of a file-region payload. */
    public static final int FILE_OFFSET_OFFSET = PAYLOAD_ADDRESS_OFFSET + SIZE_OF_LONG;
    /** Offset of the file descriptor of a file-region payload. */
    public static final int FILE_FD_OFFSET = FILE_OFFSET_OFFSET + SIZE_OF_LONG;
    /** Offset of the LNet header. */
    public static final int HEADER_OFFSET = FILE_FD_OFFSET + SIZE_OF_INT + SIZE_OF_INT;
    /** Length of a send record. */
    public static final int LENGTH = HEADER_OFFSET + LnetHeaderFlyweight.LENGTH;

    private SendCommand()
    {
    }
}
