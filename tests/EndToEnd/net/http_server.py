# python's http.server on the loopback, fetched with urllib from the same process.
import http.server, os, tempfile, threading, urllib.request
d = tempfile.mkdtemp()
with open(os.path.join(d, "hello.txt"), "w") as f:
    f.write("hello over http\n" * 1000)
handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=d, **k)
class Quiet(http.server.ThreadingHTTPServer):
    pass
http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
srv = Quiet(("127.0.0.1", 0), handler)
threading.Thread(target=srv.serve_forever, daemon=True).start()
port = srv.server_address[1]
for path in ("/hello.txt", "/missing"):
    try:
        r = urllib.request.urlopen(f"http://127.0.0.1:{port}{path}")
        body = r.read()
        print(path, r.status, len(body), body[:16])
    except urllib.error.HTTPError as e:
        print(path, e.code)
srv.shutdown()
