"""The work `deno task bench` asks of Mitogen's contexts: the same work its figures ask of
mitoctl's. Mitogen sends this module to each context from the master's memory on first use;
nothing here runs on the master.
"""

import os
import subprocess

import mitogen.core
import mitogen.service

# Made once per context and kept, so that only moving it is timed (as the bench's own call keeps
# its 32 MiB on the remote between calls).
_payload = None


def nothing():
    """Does nothing: a call of it times the round trip of a call into this module."""
    return None


def run_true():
    """Runs /bin/true once and returns its exit status: one call that spawns a process."""
    return subprocess.run(['/bin/true'], check=True).returncode


def payload(size):
    """A value of `size` bytes of 0x5a, as the bench's own call returns."""
    global _payload
    if _payload is None or len(_payload) != size:
        _payload = b'\x5a' * size
    return _payload


def read_path(path):
    """The whole file at `path`, as Mitogen's Ansible connection fetches a file."""
    with open(path, 'rb') as fp:
        return mitogen.core.Blob(fp.read())


def fetch_file(context, path, out_path):
    """
    Streams `path` from FileService on `context` into `out_path`, through a temporary name and a
    rename (as mitoctl replaces a file); returns the bytes written.
    """
    tmp = '%s.mitogen-%d' % (out_path, os.getpid())
    with open(tmp, 'wb') as fp:
        ok, metadata = mitogen.service.FileService.get(context, path, fp)
    if not ok:
        os.unlink(tmp)
        raise IOError('Transfer of %r ended early' % (path,))
    os.rename(tmp, out_path)
    return metadata['size']
