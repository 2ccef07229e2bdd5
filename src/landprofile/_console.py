"""What the CLI shows while it works: live lines on a terminal, plain lines in a log.

On a terminal (rich), the running step has a spinner and a clock that keeps ticking
while numba or GEOS work without the GIL, so a 30 s depression fill is visibly alive;
each finished step is printed above with its time. Piped to a file or a CI log, only the
finished steps are printed, one line each, with no control characters.

landprofile's warnings are shown the same way (:class:`WarningDisplay`): one line each,
printed through the running display so that they land above its live line.

For a program driving the CLI (the QGIS plugin), ``LANDPROFILE_PROGRESS=jsonl`` replaces
the display with one JSON object per line on stderr (see :func:`machine_progress`).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
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


#: The environment variable asking for the machine-readable progress stream.
PROGRESS_ENV = "LANDPROFILE_PROGRESS"


def machine_progress() -> bool:
    """Whether the CLI reports as JSON lines (``LANDPROFILE_PROGRESS=jsonl``).

    Then stderr carries, one object per line, instead of the live display:
    ``{"event": "start", "step": S}`` when a step starts, ``{"event": "end", "step": S,
    "seconds": T}`` when it ends, ``{"event": "count", "label": L, "done": D, "total": N}``
    as counted work advances (at most once per percent) and ``{"event": "warning",
    "message": M}`` for each of landprofile's warnings. Other lines (``error: ...``,
    ``interrupted: ...``) are the CLI's usual text. Step names are the display's
    (underscores as spaces), nested steps prefixed by their stage (``boundary · fill``).
    """
    return os.environ.get(PROGRESS_ENV, "").strip().lower() == "jsonl"


def emit(event: str, **fields: Any) -> None:
    r"""Write one progress event as a JSON line on stderr, flushed at once.

    ASCII only (``\\u`` escapes), so that the reader's decoding never matters.
    """
    sys.stderr.write(json.dumps({"event": event, **fields}, ensure_ascii=True) + "\n")
    sys.stderr.flush()


#: The live displays now running, innermost last: a line said meanwhile goes through
#: the innermost one's console, which prints it above the live line instead of into it.
_RUNNING: list[_Live] = []


#: Control characters a terminal would act on (C0 but tab and newline, DEL, C1): a
#: user's name holding ``ESC ] 0;...`` would retitle the window or hide earlier lines.
_CONTROL = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)])


def printable(text: str) -> str:
    r"""``text`` with each terminal control character shown as ``\xNN``, not acted on.

    Examples
    --------
    >>> printable("A" + chr(27) + "]0;title" + chr(7) + "B")
    'A\\x1b]0;title\\x07B'
    """
    if not any(ord(c) in _CONTROL for c in text):
        return text
    return "".join(f"\\x{ord(c):02x}" if ord(c) in _CONTROL else c for c in text)


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
    console.print(prefix + escape(printable(text)), soft_wrap=True, highlight=False)


class _Live:
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or stderr_console()
        self._bar: Progress | None = None
        self._task: Any = None
        self.machine = machine_progress()

    def _columns(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __enter__(self) -> Any:
        self.machine = machine_progress()
        if self.console.is_terminal and not self.machine:
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
        _reassert_warning_displays()
        if self.machine:
            name = step.replace("_", " ")
            if seconds is None:
                emit("start", step=name)
            else:
                emit("end", step=name, seconds=round(seconds, 3))
            return
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
        if self.machine:
            percent = done * 100 // max(total, 1)
            if percent > self._said:  # a long batch says at most 101 lines
                self._said = percent
                emit("count", label=self.label, done=done, total=total)
            return
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total)
            return
        tenth = done * 10 // max(total, 1)
        if tenth > self._said:
            self._said = tenth
            self.console.print(f"  {escape(self.label)}: {done}/{total}")


#: The warning displays in force (innermost last).
_WARNING_DISPLAYS: list[WarningDisplay] = []


def _reassert_warning_displays() -> None:
    """Put the innermost display's filter and hook back, at each step (main thread).

    ``warnings.catch_warnings`` is not thread-safe before Python 3.14: it saves and
    restores the one process-wide filter list, so two blocks on two threads (ours, or a
    library's inside a worker) can leave "ignore" in force, and every later warning of the
    command would be lost. Steps are reported from the main thread, between the stages'
    work, so the display's own settings are restored there.
    """
    if not _WARNING_DISPLAYS or _WARNING_DISPLAYS[-1].quiet:
        return
    from landprofile.errors import LandprofileWarning

    # the first filter that applies to all of landprofile's warnings: an "ignore" of a
    # class at least that broad is not ours (a block ignoring one warning class, such as
    # the pipeline's repairs, names a narrower one and is left alone)
    for action, _msg, category, module, _line in warnings.filters:
        if module is None and issubclass(LandprofileWarning, category):
            if action == "ignore":
                _WARNING_DISPLAYS[-1].assert_filters()
            break
    if warnings.showwarning != _WARNING_DISPLAYS[-1]._show:
        warnings.showwarning = _WARNING_DISPLAYS[-1]._show


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
        self._sigint: Any = None

    def __enter__(self) -> WarningDisplay:
        self._saved = warnings.catch_warnings()
        self._saved.__enter__()
        if not self.debug:
            # other libraries' warnings (UserWarning, RuntimeWarning, FutureWarning...)
            # speak of their internals, not of the user's data
            warnings.simplefilter("ignore")
        self.assert_filters()
        _WARNING_DISPLAYS.append(self)
        if machine_progress():
            self._sigint = _accept_interrupts()
        return self

    def assert_filters(self) -> None:
        """Make landprofile's warnings reach this display (again)."""
        from landprofile.errors import LandprofileWarning

        # "always": every warning reaches the hook, which says each text once whatever
        # line of code it came from (Python's "default" would say it once per line);
        # simplefilter moves an identical filter to the front rather than adding one
        warnings.simplefilter("ignore" if self.quiet else "always", LandprofileWarning)
        warnings.showwarning = self._show

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self in _WARNING_DISPLAYS:
            _WARNING_DISPLAYS.remove(self)
        self._saved.__exit__(exc_type, exc, tb)
        if self._sigint is not None:
            signal.signal(signal.SIGINT, self._sigint)
            self._sigint = None

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
        if machine_progress():
            emit("warning", message=str(message))
            return
        say(str(message), prefix=f"[yellow]{escape(self.prefix)}:[/] ")


def _accept_interrupts() -> Any:
    """Make SIGINT raise KeyboardInterrupt even when it was inherited as ignored.

    A program driving the CLI cancels it with SIGINT (the CLI then writes nothing and
    exits 130); a child started from a background job inherits SIGINT ignored, and
    Python leaves an ignored SIGINT alone, so the cancel would be lost. Returns the
    handler to restore, or ``None`` when nothing was changed.
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    current = signal.getsignal(signal.SIGINT)
    if current is not signal.SIG_IGN:
        return None
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return current
