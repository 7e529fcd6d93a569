"""The child's output pipes: read in chunks, scrubbed, written to the logs (and the terminal)."""

from __future__ import annotations

import contextlib
import os

from govkit.saferun.scrub import StreamScrubber

_CHUNK = 1 << 20
_F_SETPIPE_SZ = 1031  # Linux: bigger pipes mean fewer, larger reads


def write_all(fd: int, data: bytes) -> None:
    """Write all of `data` (os.write may take less at once)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


class OutputStream:
    """One output pipe of the child: read in chunks, scrubbed, to the log (and terminal)."""

    def __init__(self, fd: int, log_fd: int, tee_fd: int | None, secrets: list[str]) -> None:
        self.fd = fd
        self.log_fd = log_fd
        self.tee_fd = tee_fd
        self.scrubber = StreamScrubber(secrets)
        self.open = True
        os.set_blocking(fd, False)
        with contextlib.suppress(OSError, AttributeError):
            import fcntl

            fcntl.fcntl(fd, _F_SETPIPE_SZ, _CHUNK)

    def pump(self) -> None:
        """Move what is available now; close at EOF."""
        try:
            data = os.read(self.fd, _CHUNK)
        except BlockingIOError:
            return
        if not data:
            self.close()
            return
        self._emit(self.scrubber.feed(data))

    def close(self) -> None:
        if self.open:
            self._emit(self.scrubber.flush())
            os.close(self.fd)
            os.close(self.log_fd)
            self.open = False

    def _emit(self, data: bytes) -> None:
        if not data:
            return
        write_all(self.log_fd, data)
        if self.tee_fd is not None:
            try:
                write_all(self.tee_fd, data)
            except OSError:
                self.tee_fd = None  # terminal went away: keep logging
