"""What the CLI shows while it works: live lines on a terminal, plain lines in a log.

On a terminal (rich), the running step has a spinner and a clock that keeps ticking
while numba or GEOS work without the GIL, so a 30 s depression fill is visibly alive;
each finished step is printed above with its time. Piped to a file or a CI log, only the
finished steps are printed, one line each, with no control characters.

landprofile's warnings are shown the same way (:class:`WarningDisplay`): one line each,
printed through the running display so that they land above its live line.
"""

from __future__ import annotations

import warnings
from types import TracebackType
from typing import Any, TextIO

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


#: The live displays now running, innermost last: a line said meanwhile goes through
#: the innermost one's console, which prints it above the live line instead of into it.
_RUNNING: list[_Live] = []


def say(text: str, *, prefix: str = "") -> None:
    """Print one line on stderr without garbling a live display.

    Parameters
    ----------
    text
        Plain text: printed as is (rich markup in it is not interpreted).
    prefix
        Rich markup put before the text (e.g. a coloured ``warning:``).
    """
    console = _RUNNING[-1].console if _RUNNING else stderr_console()
    # soft_wrap: a long message stays one line in a log (rich would cut it at 80 columns
    # off a terminal); a terminal wraps it itself
    console.print(prefix + escape(text), soft_wrap=True, highlight=False)


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
        _RUNNING.append(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self in _RUNNING:
            _RUNNING.remove(self)
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


class WarningDisplay:
    """Show landprofile's warnings to a command-line user, once each, on stderr.

    Inside the block every :class:`~landprofile.errors.LandprofileWarning` is printed
    as ``warning: <message>`` the first time its class and message are met (a stage
    that warns for each of many pieces says the same thing once). Other libraries'
    warnings are hidden unless ``debug``. The filters and the ``warnings.showwarning``
    hook are restored on exit.

    Parameters
    ----------
    quiet
        Hide landprofile's warnings too.
    debug
        Show other libraries' warnings as well (in Python's usual form).
    prefix
        What starts a warning's line.
    """

    def __init__(self, *, quiet: bool = False, debug: bool = False, prefix: str = "warning"):
        self.quiet = quiet
        self.debug = debug
        self.prefix = prefix
        self.shown: list[tuple[type[Warning], str]] = []
        self._seen: set[tuple[type[Warning], str]] = set()
        self._saved: Any = None

    def __enter__(self) -> WarningDisplay:
        from landprofile.errors import LandprofileWarning

        self._saved = warnings.catch_warnings()
        self._saved.__enter__()
        if not self.debug:
            # other libraries' warnings (UserWarning, RuntimeWarning, FutureWarning...)
            # speak of their internals, not of the user's data
            warnings.simplefilter("ignore")
        # "always": every warning reaches the hook, which says each text once whatever
        # line of code it came from (Python's "default" would say it once per line)
        warnings.simplefilter("ignore" if self.quiet else "always", LandprofileWarning)
        warnings.showwarning = self._show
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._saved.__exit__(exc_type, exc, tb)

    def _show(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        from landprofile.errors import LandprofileWarning

        if not issubclass(category, LandprofileWarning):  # only reached with debug
            text = warnings.formatwarning(message, category, filename, lineno, line)
            say(text.rstrip("\n"))
            return
        key = (category, str(message))
        if key in self._seen:
            return
        self._seen.add(key)
        self.shown.append(key)
        say(str(message), prefix=f"[yellow]{escape(self.prefix)}:[/] ")
