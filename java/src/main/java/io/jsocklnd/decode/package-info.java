/**
 * The socklnd stream dissector: walks each direction of a captured TCP conversation and turns its bytes into
 * records (acceptor request, hello, NOOP, LNet message, V1 message) with the fields named as Lustre names them,
 * plus a one-line JSON rendering of each record.
 */
package io.jsocklnd.decode;
