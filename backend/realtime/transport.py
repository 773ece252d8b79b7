"""The uvicorn WebSocket protocol the API serves `/ws` with: uvicorn's own (websockets sans-I/O)
with two bounds for a peer that stops reading. backend/server_options.py hands it to uvicorn.

1. The kernel's send buffer. Linux grows a TCP socket's send buffer on demand up to
   `net.ipv4.tcp_wmem`'s maximum (4 MB by default), so a peer that stops reading absorbed
   about 3 MB of events before its writes blocked and the hub's bounded queue (hub.py, the
   slow-consumer rule) even started to fill: minutes at a busy market's rate, and 4 MB of
   kernel memory per stuck client. An upgraded connection's buffer is fixed at
   `SEND_BUFFER_BYTES` (Linux doubles it: 32 KB); with the transport's own 64 KB (asyncio's
   high-water mark) a stuck client holds about 100 KB before its frames queue, and a reader
   at an internet round trip still gets 320 KB/s (32 KB per 100 ms RTT), far more than any
   stream sends. (A 16 KB transport high-water mark as well cost bench/fanout.py about a
   tenth of its throughput per CPU-second in bursts: 0.50-0.75 of bare against 0.79-0.85.)
2. When a connection's handler has ended, bytes the peer has not taken are not waited for
   without a bound: at once if the handler gave up on sending its close frame (the router
   gives a dropped slow consumer 2 s to take it), else after uvicorn's close timeout (10 s)
   for the closing handshake, the connection is aborted (RST). uvicorn closes the transport
   gracefully, and asyncio then waits for its buffer to drain before it lets go of the socket:
   a peer that never reads kept it, its buffers and its TCP connection forever, even past the
   ping timeout (tests/faults/test_slow_ws_clients.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

SEND_BUFFER_BYTES = 16 * 1024


class BoundedWebSocketProtocol(WebSocketsSansIOProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        super().connection_made(transport)

    async def run_asgi(self) -> None:
        try:
            await super().run_asgi()
        finally:
            if self.close_sent:  # the closing handshake gets uvicorn's close timeout
                self.loop.call_later(self.close_timeout, self._abort_if_stuck)
            else:  # the handler gave up on its close frame (a slow consumer): no handshake
                self._abort_if_stuck()

    def _abort_if_stuck(self) -> None:
        if not self.disconnected and self.transport.get_write_buffer_size() > 0:
            self.transport.abort()
