"""A helper process: one process started ahead of time that answers the fits' calls.

The command line's JAX network trainer is one: it starts JAX while the main
process imports pandas and scikit-learn, so that no worker has to. Fits call
it with :func:`call_helper` directly from the process that started it, and
through that process (its :class:`Broker`) from the workers it forks for a map
(:mod:`.engines`).
"""

from __future__ import annotations

import threading

from . import forking


class HelperUnavailable(ConnectionError):
    """No helper process can be reached from here, or it failed: do the work here instead."""


_HELPER = None  # (process, connection), in the process that started it
_HELPER_LOCK = threading.Lock()  # this process's threads call it one at a time
_BROKERED = False  # in a forked worker: the parent has a helper and passes calls on to it
_CALL = None  # in a forked worker of a map: how a call reaches the parent


def start_helper(serve, *args):
    """Fork a helper now, running ``serve(*args, conn)``: it answers each request ``conn.recv()``
    gives it with ``conn.send(("ok", reply))`` or ``("error", message)``, until it is sent ``None``.

    Fits call it with :func:`call_helper`: directly from this process, and through this process
    from the workers it forks for a map. Returns whether a helper was started (not where fork is
    unsafe or missing, nor when one runs already).
    """
    global _HELPER
    if _HELPER is not None or not forking.can_fork():
        return False
    try:
        _HELPER = forking.fork_child(serve, *args)
    except OSError:  # no memory or no process left to fork: the fits do the work themselves
        return False
    return True


def stop_helper():
    """Stop the helper, if one was started."""
    global _HELPER
    if _HELPER is not None:
        process, conn = _HELPER
        _HELPER = None
        process.terminate()
        process.join()
        conn.close()


def call_helper(request):
    """The helper's reply to ``request``; raises :class:`HelperUnavailable` when there is none to ask
    or it failed (the caller then does the work itself)."""
    if _CALL is not None:
        return _CALL(request)
    if _HELPER is None:
        raise HelperUnavailable("no helper process")
    with _HELPER_LOCK:
        try:
            _HELPER[1].send(request)
            status, value = _HELPER[1].recv()
        except (EOFError, OSError) as exc:
            raise HelperUnavailable(f"the helper process is gone ({exc!r})") from None
    if status != "ok":
        raise HelperUnavailable(value)
    return value


def forked():
    """In a child just forked: the parent's helper, if it has one, is reached through the parent
    (see :func:`call_through`), not directly."""
    global _HELPER, _BROKERED
    _BROKERED, _HELPER = _HELPER is not None, None


forking.in_each_child(forked)


def call_through(conn):
    """In a map's worker: route this process's calls of the helper through its parent, over
    ``conn``, where the parent has a helper."""
    global _CALL
    if _BROKERED:
        _CALL = lambda request: _call_through(conn, request)  # noqa: E731


def _call_through(conn, request):
    """A worker's call of the helper, passed on by its parent (see :class:`Broker`)."""
    conn.send(("call", request))
    _, status, value = conn.recv()
    if status != "ok":
        raise HelperUnavailable(value)
    return value


class Broker:
    """In the parent of a map's workers: passes their calls on to this process's helper and its
    replies back, one call at a time.

    The helper answers one call at a time anyway; a call is written to it only
    while it waits for one. (A large call written while the helper writes a
    large reply would leave each waiting for the other to read.)
    """

    def __init__(self):
        import collections

        self.conn = _HELPER[1] if _HELPER is not None else None
        self.queued = collections.deque()  # (worker's connection, call) not yet passed on, oldest first
        self.asking = None  # the connection of the worker whose call the helper is answering

    def waiting_on(self):
        return [self.conn] if self.asking is not None else []

    def forward(self, worker_conn, request):
        self.queued.append((worker_conn, request))
        self._pass_on()

    def forget(self, worker_conn):
        """A worker died: drop its calls not yet passed on; a reply to one being answered is dropped."""
        self.queued = type(self.queued)(item for item in self.queued if item[0] is not worker_conn)

    def answer(self):
        worker_conn, self.asking = self.asking, None
        try:
            status, value = self.conn.recv()
        except (EOFError, OSError) as exc:  # it died: every worker waiting does the work itself
            self.conn = None
            status, value = "error", f"the helper process died ({exc!r})"
        _reply(worker_conn, ("reply", status, value))
        self._pass_on()

    def _pass_on(self):
        while self.asking is None and self.queued:
            worker_conn, request = self.queued.popleft()
            try:
                if self.conn is None:
                    raise OSError("no helper process")
                self.conn.send(request)
            except OSError as exc:
                _reply(worker_conn, ("reply", "error", f"the helper process is gone ({exc!r})"))
                continue
            self.asking = worker_conn


def _reply(worker_conn, message):
    try:
        worker_conn.send(message)
    except OSError:  # the worker died while its call was answered: the map learns it from its pipe
        pass
