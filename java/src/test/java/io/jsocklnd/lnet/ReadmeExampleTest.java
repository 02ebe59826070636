package io.jsocklnd.lnet;

import io.jsocklnd.lnd.NodeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example of README.md's API section, run as written (other addresses), with the checks it implies.
 */
@Timeout(60)
class ReadmeExampleTest
{
    @Test
    void shouldRunTheReadmeExample() throws Exception
    {
        try (Lnet server = Lnet.start(new NodeConfig().nid("127.0.66.11@tcp"));
            Lnet client = Lnet.start(new NodeConfig().nid("127.0.66.12@tcp")))
        {
            ByteBuffer inbox = ByteBuffer.allocateDirect(1 << 20);
            server.attach(9, LNET_NID_ANY, LNET_PID_ANY, 0x100, 0xFF,
                new MemoryDescriptor().memory(inbox)
                    .options(MemoryDescriptor.OP_PUT | MemoryDescriptor.OP_GET | MemoryDescriptor.MANAGE_REMOTE)
                    .persistent());

            ByteBuffer data = ByteBuffer.allocateDirect(65536);
            data.put(0, (byte)42);
            long putMd = client.bind(new MemoryDescriptor().memory(data).threshold(2));
            int rc = client.put(putMd, true, server.nid(), LNET_PID_LUSTRE, 9, 0x142, 4096, 0xCAFE);
            assertEquals(0, rc);

            EventHandler print = e -> System.out.println(e);
            long[] acked = {0};
            EventHandler clientEvents = e ->
            {
                System.out.println(e);
                if (e.type() == LnetEventType.ACK)
                {
                    acked[0] = e.mlength();
                }
            };
            for (int i = 0; i < 10_000 && acked[0] == 0; i++)
            {
                server.poll(print, 16);
                client.poll(clientEvents, 16);
                Thread.sleep(1);
            }

            ByteBuffer back = ByteBuffer.allocateDirect(65536);
            long getMd = client.bind(new MemoryDescriptor().memory(back).threshold(2));
            client.get(getMd, server.nid(), LNET_PID_LUSTRE, 9, 0x142, 4096);
            long[] replied = {-1};
            EventHandler replies = e ->
            {
                if (e.type() == LnetEventType.REPLY)
                {
                    replied[0] = e.mlength();
                }
            };
            for (int i = 0; i < 10_000 && replied[0] < 0; i++)
            {
                server.poll(print, 16);
                client.poll(replies, 16);
                Thread.sleep(1);
            }

            PingResult ping = client.ping(server.nid(), LNET_PID_LUSTRE, 5, TimeUnit.SECONDS);
            System.out.println(ping.info().interfaces() + " rtt " + ping.rttNs() / 1000 + " us");

            assertEquals(65536, acked[0]);
            assertEquals(42, inbox.get(4096));
            assertEquals(65536, replied[0]);
            assertEquals(42, back.get(0));
            assertTrue(ping.info().interfaces().get(0).nid() == server.nid());
        }
    }
}
