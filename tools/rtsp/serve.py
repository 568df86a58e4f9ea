#!/usr/bin/python3
"""A real RTSP server (GStreamer's gst-rtsp-server) serving H.264 clips on 127.0.0.1, for the ingest tests.

usage: serve.py --port PORT --mount NAME=FILE.mp4 [--mount ...]
       serve.py --silent --port PORT      (accepts TCP connections and never answers: a stalled camera)

Port 0 picks a free port. Prints "ready PORT" on stdout once listening, then serves until killed.
Each client gets its own pipeline from the start of the clip (not shared), in real time, RTP over
TCP or UDP as the client asks; at the end of the clip the server sends end-of-stream.
"""
import argparse
import signal
import socket
import sys


def silent(port: int) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    print(f"ready {listener.getsockname()[1]}", flush=True)
    held = []
    while True:
        connection, _ = listener.accept()
        held.append(connection)  # never read, never answered, never closed


def serve(port: int, mounts: list[str]) -> None:
    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    points = server.get_mount_points()
    for mount in mounts:
        name, path = mount.split("=", 1)
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(f'( filesrc location="{path}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )')
        factory.set_shared(False)
        points.add_factory(f"/{name}", factory)
    server_id = server.attach(None)
    if server_id == 0:
        print(f"cannot listen on 127.0.0.1:{port}", file=sys.stderr, flush=True)
        sys.exit(2)
    print(f"ready {server.get_bound_port()}", flush=True)
    loop = GLib.MainLoop()
    signal.signal(signal.SIGTERM, lambda *_: loop.quit())
    loop.run()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mount", action="append", default=[])
    parser.add_argument("--silent", action="store_true")
    args = parser.parse_args()
    if args.silent:
        silent(args.port)
    else:
        serve(args.port, args.mount)


if __name__ == "__main__":
    main()
