"""Which task an idle worker of a map takes next (see :func:`~.engines.completed_map`)."""

from __future__ import annotations


class Scheduler:
    """Which pending task an idle worker takes next.

    A worker with no start-up paid yet first claims a group nobody has claimed
    (the slowest start goes first); every worker prefers its own group's tasks,
    then tasks that need nothing. It takes over another worker's group only while
    that group has more than twice as many tasks left as workers running it, so
    a second worker does not pay seconds of start-up for the last fit or two.

    Examples
    --------
    The practical's four fits on two workers: one worker runs both networks,
    the other the forest and the baseline.

    >>> s = Scheduler([None, "keras", "keras", None])
    >>> [s.next_for(0), s.next_for(1), s.next_for(1), s.next_for(1), s.next_for(0), s.next_for(0)]
    [1, 0, 3, None, 2, None]

    Tasks marked ``first`` (the slow ones, here the forest) are taken before the others in each kind;
    the baseline then goes to the worker that finishes the networks.

    >>> s = Scheduler([None, "keras", "keras", None], first=[False, False, False, True])
    >>> [s.next_for(0), s.next_for(1), s.next_for(0), s.next_for(0), s.next_for(1)]
    [1, 3, 2, 0, None]
    """

    def __init__(self, groups, first=None):
        self.groups = list(groups)
        self.pending = sorted(range(len(groups)), key=lambda i: not first[i]) if first else list(range(len(groups)))
        self.owned = {}  # worker -> the groups it has started

    def next_for(self, worker):
        mine = self.owned.setdefault(worker, set())
        others = set().union(*(g for w, g in self.owned.items() if w != worker))
        choice = None
        if not mine:
            choice = self._first(lambda g: g is not None and g not in others)
        if choice is None:
            choice = self._first(lambda g: g is not None and g in mine)
        if choice is None:
            choice = self._first(lambda g: g is None)
        if choice is None:
            choice = self._first(lambda g: g is not None and g not in mine and self._worth_sharing(g))
        if choice is not None:
            self.pending.remove(choice)
            if self.groups[choice] is not None:
                mine.add(self.groups[choice])
        return choice

    def restart(self, worker):
        """``worker`` is a new process (in place of one that died): it has started nothing yet."""
        self.owned[worker] = set()

    def _first(self, wanted):
        return next((i for i in self.pending if wanted(self.groups[i])), None)

    def _worth_sharing(self, group):
        left = sum(self.groups[i] == group for i in self.pending)
        running = sum(group in g for g in self.owned.values())
        return left > 2 * running
