/**
 * Capture reading for checking jsocklnd against real traffic: classic pcap and pcapng files, the link layers
 * Lustre nodes are captured on, IPv4/IPv6 and TCP, and TCP reassembly into conversations numbered like tshark's
 * {@code tcp.stream}.
 */
package io.jsocklnd.pcap;
