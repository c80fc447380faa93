#!/usr/bin/env python3
"""A DNS forwarder that answers late: every UDP query is passed to the upstream server and its
answer sent back DELAY milliseconds after the query came in (the slow or far resolver of
docs/performance.md, "DNS features").

    bench/slowdns.py LISTEN_PORT UPSTREAM_PORT DELAY_MS
"""
import asyncio
import sys


class Forward(asyncio.DatagramProtocol):
    def __init__(self, loop, upstream, delay):
        self.loop, self.upstream, self.delay = loop, upstream, delay

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, client):
        self.loop.create_task(self.answer(data, client))

    async def answer(self, data, client):
        started = self.loop.time()
        reply = self.loop.create_future()

        class Once(asyncio.DatagramProtocol):
            def datagram_received(self, d, _):
                if not reply.done():
                    reply.set_result(d)

        transport, _ = await self.loop.create_datagram_endpoint(
            Once, remote_addr=("127.0.0.1", self.upstream))
        try:
            transport.sendto(data)
            d = await asyncio.wait_for(reply, 5)
            await asyncio.sleep(max(0.0, self.delay - (self.loop.time() - started)))
            self.transport.sendto(d, client)
        except asyncio.TimeoutError:
            pass
        finally:
            transport.close()


async def main():
    port, upstream, delay = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) / 1000
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(
        lambda: Forward(loop, upstream, delay), local_addr=("127.0.0.1", port))
    await asyncio.Event().wait()


asyncio.run(main())
