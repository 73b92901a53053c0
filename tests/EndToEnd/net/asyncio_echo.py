# An asyncio echo server and several concurrent clients over TCP on the loopback.
import asyncio
async def handle(r, w):
    while data := await r.readline():
        w.write(data.upper())
        await w.drain()
    w.close()
async def client(port, i):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    out = []
    for j in range(20):
        w.write(f"client {i} line {j}\n".encode())
        await w.drain()
        out.append((await r.readline()).decode().strip())
    w.close()
    await w.wait_closed()
    return out[-1]
async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    print(sorted(await asyncio.gather(*(client(port, i) for i in range(8)))))
    srv.close()
    await srv.wait_closed()
asyncio.run(main())
