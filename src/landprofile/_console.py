"""What the CLI shows while it works: live lines on a terminal, plain lines in a log.

On a terminal (rich), the running step has a spinner and a clock that keeps ticking
while numba or GEOS work without the GIL, so a 30 s depression fill is visibly alive;
each finished step is printed above with its time. Piped to a file or a CI log, only the
finished steps are printed, one line each, with no control characters.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def stderr_console() -> Console:
    """The console the CLI reports on (stderr: stdout stays for results)."""
    return Console(stderr=True, highlight=False)


class _Live:
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or stderr_console()
        self._bar: Progress | None = None
        self._task: Any = None

    def _columns(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __enter__(self) -> Any:
        if self.console.is_terminal:
            self._bar = Progress(*self._columns(), console=self.console, transient=True)
            self._bar.start()
            self._task = self._bar.add_task("", total=None)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


class StepDisplay(_Live):
    """A ``progress(step, seconds)`` callback (see :mod:`landprofile._progress`).

    Use as a context manager around the work, and pass it as ``progress=``.
    """

    def _columns(self) -> tuple[Any, ...]:
        return (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())

    def __init__(self, console: Console | None = None) -> None:
        super().__init__(console)
        self._running: list[str] = []  # a stage, then the step inside it

    def __call__(self, step: str, seconds: float | None) -> None:
        label = escape(step.replace("_", " "))
        if seconds is None:
            self._running.append(label)
            if self._bar is not None:  # a new clock for each step
                self._bar.reset(self._task, description=label)
            return
        if label in self._running:
            self._running.remove(label)
        if self._bar is not None and self._running:  # back to the enclosing stage
            self._bar.update(self._task, description=self._running[-1])
        self.console.print(f"  {label} [dim]{seconds:.1f} s[/]")


class CountBar(_Live):
    """A ``progress(done, total)`` callback: a bar with counts and the time left.

    Off a terminal it prints a line at every tenth of the work.
    """

    def __init__(self, label: str, console: Console | None = None) -> None:
        super().__init__(console)
        self.label = label
        self._said = -1

    def _columns(self) -> tuple[Any, ...]:
        return (
            TextColumn(escape(self.label)),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
        )

    def __call__(self, done: int, total: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total)
            return
        tenth = done * 10 // max(total, 1)
        if tenth > self._said:
            self._said = tenth
            self.console.print(f"  {escape(self.label)}: {done}/{total}")
