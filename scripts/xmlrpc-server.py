#!/usr/bin/env python3
"""XML-RPC test server for Portolan's tests: Python's own xmlrpc.server on 127.0.0.1.

Methods: echo(*args) returns its arguments as an array; types() returns a struct holding every
XML-RPC type; kinds(*args) names the Python type each argument arrived as; fail(code, text)
raises a fault; add(a, b). The paths /broken (a response cut off mid-element) and /html (a
web page with status 200) serve malformed answers from the same real server.
"""
import datetime
import socketserver
import sys
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer


class Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/", "/RPC2", "/broken", "/html")

    def do_POST(self):
        if self.path in ("/broken", "/html"):
            length = int(self.headers.get("Content-Length", "0"))
            self.rfile.read(length)
            if self.path == "/broken":
                body = b"<?xml version='1.0'?>\n<methodResponse><params><param><value><struct><member><name>a</name>"
                kind = "text/xml"
            else:
                body = b"<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>"
                kind = "text/html"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_POST()


class Server(socketserver.ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True


def echo(*args):
    return list(args)


def types():
    return {
        "int": 42,
        "negative": -7,
        "boolean": True,
        "string": "<café & co>",
        "double": 1.5,
        "when": datetime.datetime(2026, 12, 6, 18, 30, 0),
        "bytes": b"\x00\xffbin",
        "list": [1, "two", [3.0]],
        "nested": {"a": {"b": None}},
    }


def kinds(*args):
    return [type(a).__name__ for a in args]


def fail(code, text):
    raise xmlrpc.client.Fault(code, text)


def add(a, b):
    return a + b


def main():
    port = int(sys.argv[1])
    server = Server(("127.0.0.1", port), requestHandler=Handler, allow_none=True,
                    logRequests=False, use_builtin_types=True)
    server.register_introspection_functions()
    for f in (echo, types, kinds, fail, add):
        server.register_function(f)
    server.serve_forever()


if __name__ == "__main__":
    main()
