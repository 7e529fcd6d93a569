"""Lifecycles: the statuses of a record kind or of decisions, and the moves between them.

One type and one transition check for every kind and for decisions (DESIGN.md §4),
so "cannot move D-003 from superseded to accepted; superseded is final" reads the
same wherever a status changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from govkit.errors import TransitionError, ValidationError


class Lifecycle(NamedTuple):
    """Statuses in lifecycle order, the transition map, and the status a new item starts in."""

    statuses: tuple[str, ...]
    moves: Mapping[str, tuple[str, ...]]
    initial: str

    @classmethod
    def of(cls, moves: Mapping[str, tuple[str, ...]], initial: str) -> Lifecycle:
        """The lifecycle whose statuses are the map's keys, in its order."""
        return cls(tuple(moves), moves, initial)

    def allowed(self, status: str) -> tuple[str, ...]:
        """Statuses an item may move to from `status`."""
        return self.moves.get(status, ())

    def check_status(self, what: str, status: str) -> None:
        """Raise ValidationError unless `status` is one of the statuses (`what`: 'task', …)."""
        if status not in self.statuses:
            raise ValidationError(
                f"unknown {what} status {status!r}", hint=f"one of: {', '.join(self.statuses)}"
            )

    def check_move(self, item_id: str, current: str, target: str) -> None:
        """Raise TransitionError unless the map allows `current` -> `target`."""
        allowed = self.allowed(current)
        if target not in allowed:
            tail = f"allowed: {', '.join(allowed)}" if allowed else f"{current} is final"
            raise TransitionError(f"cannot move {item_id} from {current} to {target}; {tail}")

    def problems(self) -> list[str]:
        """What is inconsistent in the map itself (for registering a kind)."""
        known = set(self.statuses)
        out = [] if self.initial in known else [f"initial status {self.initial!r} is not listed"]
        for source, targets in self.moves.items():
            out += [f"move from unknown status {source!r}"] if source not in known else []
            out += [f"move {source} -> unknown status {t!r}" for t in targets if t not in known]
        return out
