/**
 * Wire codecs of the LNet socket LND: flyweights over Agrona buffers for the acceptor request, the hellos
 * (V1..V4), the 24-byte ksock header and both LNet header forms, plus NID values and the {@code ksm_csum}
 * checksum. Decoders check lengths before reading, allocate nothing, and throw {@link io.jsocklnd.wire.ProtocolException}
 * naming the Lustre field and the value found.
 */
package io.jsocklnd.wire;
