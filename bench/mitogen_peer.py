#!/usr/bin/python3
"""Mitogen measured beside mitoctl in `deno task bench`.

Usage: mitogen_peer.py '<connection JSON>'

The connection is {"method": "ssh" or "local", "options": {keyword arguments of
mitogen.master.Router.ssh() or .local()}}. Requests arrive as JSON lines on stdin, one at a time;
each gets one JSON line on stdout: {"ok": true, ...} or {"ok": false, "error": "..."}. The bench
(bench/mitogen.ts) decides the order of the work, so Mitogen takes its turns between ours and the
floors; every time is taken here, around the Mitogen call alone, in milliseconds.

Requests ("ctx" is an id returned by "connect"):
  {"op": "hello"}                          -> {"mitogen", "python", "pid"}
  {"op": "connect"}                        -> {"ctx", "pid" (remote), "ms"}: fresh context and
                                              its first call, os.getpid
  {"op": "close", "ctx"}                   -> {}
  {"op": "noop", "ctx", "count"}           -> {"samples": [ms of each socket.gethostname call]}
  {"op": "spawn", "ctx", "count"}          -> {"ms"}: `count` calls each running /bin/true
  {"op": "payload", "ctx", "size"}         -> {"ms"}: a call returning `size` bytes
  {"op": "push", "ctx", "source", "dest"}  -> {"ms"}: FileService streams the file to the context
  {"op": "pull", "ctx", "source", "dest"}  -> {"ms"}: the context returns the file, written here
  {"op": "fanout", "count"}                -> {"ms"}: `count` contexts at once, one call each
"""

import concurrent.futures
import json
import os
import platform
import socket
import sys
import time

import mitogen
import mitogen.master
import mitogen.service

import mitogen_work

METHODS = ('ssh', 'local')


def now_ms():
    return time.perf_counter() * 1000


class Peer(object):
    """One Mitogen master: a broker, a router, a FileService and the contexts it opened."""

    def __init__(self, method, options):
        if method not in METHODS:
            raise ValueError('Invalid method %r: use ssh or local' % (method,))
        self.broker = mitogen.master.Broker()
        self.router = mitogen.master.Router(self.broker)
        self.files = mitogen.service.FileService(self.router)
        self.pool = mitogen.service.Pool(self.router, services=[self.files], size=1)
        self.start = getattr(self.router, method)
        self.options = options
        self.contexts = {}
        self.next_id = 1

    def context(self, request):
        ctx = self.contexts.get(request.get('ctx'))
        if ctx is None:
            raise ValueError('No open context %r' % (request.get('ctx'),))
        return ctx

    def hello(self, request):
        version = '.'.join(str(part) for part in mitogen.__version__)
        return {'mitogen': version, 'python': platform.python_version(), 'pid': os.getpid()}

    def connect(self, request):
        start = now_ms()
        ctx = self.start(**self.options)
        pid = ctx.call(os.getpid)
        ms = now_ms() - start
        ctx_id = self.next_id
        self.next_id += 1
        self.contexts[ctx_id] = ctx
        return {'ctx': ctx_id, 'pid': pid, 'ms': ms}

    def close(self, request):
        ctx = self.context(request)
        del self.contexts[request['ctx']]
        ctx.shutdown(wait=True)
        return {}

    def noop(self, request):
        ctx = self.context(request)
        fn = mitogen_work.nothing if request.get('fn') == 'module' else socket.gethostname
        samples = []
        for _ in range(request['count']):
            start = now_ms()
            ctx.call(fn)
            samples.append(now_ms() - start)
        return {'samples': samples}

    def spawn(self, request):
        ctx = self.context(request)
        start = now_ms()
        for _ in range(request['count']):
            ctx.call(mitogen_work.run_true)
        return {'ms': now_ms() - start}

    def payload(self, request):
        ctx = self.context(request)
        start = now_ms()
        value = ctx.call(mitogen_work.payload, request['size'])
        ms = now_ms() - start
        if len(value) != request['size']:
            raise ValueError('Payload call returned %d B, not %d B' % (len(value), request['size']))
        return {'ms': ms}

    def push(self, request):
        ctx = self.context(request)
        self.files.register(request['source'])
        start = now_ms()
        ctx.call(mitogen_work.fetch_file, self.router.myself(), request['source'], request['dest'])
        return {'ms': now_ms() - start}

    def pull(self, request):
        ctx = self.context(request)
        start = now_ms()
        data = ctx.call(mitogen_work.read_path, request['source'])
        with open(request['dest'], 'wb') as fp:
            fp.write(data)
        return {'ms': now_ms() - start}

    def fanout(self, request):
        count = request['count']

        def one(_):
            ctx = self.start(**self.options)
            ctx.call(os.getpid)
            return ctx

        with concurrent.futures.ThreadPoolExecutor(max_workers=count) as threads:
            start = now_ms()
            contexts = list(threads.map(one, range(count)))
            ms = now_ms() - start
        for ctx in contexts:
            ctx.shutdown(wait=True)
        return {'ms': ms}

    def shutdown(self):
        for ctx in self.contexts.values():
            ctx.shutdown(wait=True)
        self.pool.stop()
        self.broker.shutdown()
        self.broker.join()


def answer(peer, line):
    try:
        request = json.loads(line)
        op = request.get('op')
        if op not in OPS:
            raise ValueError('Unknown request %r' % (op,))
        return dict(getattr(peer, op)(request), ok=True)
    except Exception as error:
        return {'ok': False, 'error': '%s: %s' % (type(error).__name__, error)}


OPS = ('hello', 'connect', 'close', 'noop', 'spawn', 'payload', 'push', 'pull', 'fanout')


def main(argv):
    connection = json.loads(argv[1])
    peer = Peer(connection['method'], connection.get('options', {}))
    try:
        while True:
            line = sys.stdin.readline()
            if not line:
                return 0
            sys.stdout.write(json.dumps(answer(peer, line)) + '\n')
            sys.stdout.flush()
    finally:
        peer.shutdown()


if __name__ == '__main__':
    sys.exit(main(sys.argv))
