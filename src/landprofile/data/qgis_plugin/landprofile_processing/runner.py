"""Run the installed ``landprofile`` command as a child process for an algorithm.

The plugin never imports landprofile into QGIS's Python: QGIS's GDAL, PROJ and numpy
are not the ones landprofile was built against. It starts the command instead, with
``LANDPROFILE_PROGRESS=jsonl`` so that the command reports each step as a JSON line on
stderr, and maps those lines to the algorithm's feedback. Cancelling sends SIGINT (the
command then writes nothing and exits 130); a child still running after a grace period
is killed.

Nothing here imports QGIS either: ``feedback`` is anything with the methods of a
``QgsProcessingFeedback`` that are used, so the module is tested outside QGIS too.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

#: Seconds between SIGINT and a kill when the command does not stop.
GRACE_S = 10.0
#: The command's exit codes (see ``landprofile --help``).
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

#: Variables QGIS sets for its own Python, GDAL and PROJ: a ``landprofile`` installed in
#: its own environment must find its own (QGIS's proj.db may be of another PROJ version).
_QGIS_ONLY_ENV = (
    "PYTHONHOME",
    "PYTHONPATH",
    "PYTHONSTARTUP",
    "GDAL_DATA",
    "GDAL_DRIVER_PATH",
    "PROJ_LIB",
    "PROJ_DATA",
)

#: Where the top-level steps of a command end, in percent of its run: the shares of the
#: demo's run (``LANDPROFILE_PROGRESS=jsonl``), so that the bar moves as the time does.
PLANS = {
    "zones": (
        ("grid and layers", 14),
        ("exclusions", 18),
        ("factors", 44),
        ("regions", 50),
        ("exclusion union", 51),
        ("zones", 57),
        ("conflicts", 58),
        ("tables", 59),
        ("reproject", 60),
        ("locate", 95),
        ("write", 100),
    ),
    "run": (("boundary", 3), ("profile", 12), ("zones", 60), ("card", 100)),
    "card": (("boundary", 3), ("profile", 12), ("zones", 60), ("card", 100)),
}


class CommandError(Exception):
    """The command failed; the message is what it said (the library's named message)."""


class CancelledError(CommandError):
    """The command was stopped on the user's request."""


def find_command(configured: str | None = None) -> str:
    """The ``landprofile`` executable: the configured path, else the one on PATH.

    Raises
    ------
    CommandError
        Naming the configured path that is not an executable, or saying that none was
        found on PATH and where to set one.
    """
    where = "Processing ▸ Options ▸ Providers ▸ landprofile"
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        raise CommandError(
            f"the landprofile command '{configured}' set in {where} is not an executable "
            "file; set the path of the installed landprofile command, or clear it to use "
            "the one on PATH"
        )
    found = shutil.which("landprofile")
    if found is None:
        raise CommandError(
            "the landprofile command was not found on PATH; install landprofile "
            f"(pip install landprofile) or set the path of its command in {where}"
        )
    return found


def child_env(base: dict | None = None) -> dict:
    """The command's environment: QGIS's own, without its Python/GDAL/PROJ settings."""
    env = dict(os.environ if base is None else base)
    for key in _QGIS_ONLY_ENV:
        env.pop(key, None)
    env["LANDPROFILE_PROGRESS"] = "jsonl"
    env["PYTHONIOENCODING"] = "utf-8"  # the error lines, whatever the locale
    return env


class StepProgress:
    """Turns the command's step events into a percentage.

    Parameters
    ----------
    plan
        ``(step, percent at its end)`` for the command's top-level steps; a step not
        in it (or no plan) moves the bar a fifth of the way left to 95 %.
    """

    def __init__(self, plan: Sequence[tuple[str, float]] = ()) -> None:
        self.plan = dict(plan)
        self._starts = {}
        before = 0.0
        for step, end in plan:
            self._starts[step] = before
            before = end
        self.percent = 0.0

    def update(self, event: dict) -> float | None:
        """The new percentage after ``event`` (``None``: unchanged)."""
        kind = event.get("event")
        step = str(event.get("step", ""))
        top = step.split(" · ", 1)[0]
        if kind == "count" and not self.plan:
            total = max(int(event.get("total") or 0), 1)
            new = 100.0 * int(event.get("done") or 0) / total
        elif top in self.plan and kind in ("start", "end"):
            nested = top != step
            if kind == "start" and not nested:
                new = self._starts[top]
            elif kind == "end" and not nested:
                new = self.plan[top]
            else:  # a step inside a planned stage: part of the way to its end
                new = self.percent + (self.plan[top] - self.percent) * 0.25
        elif kind == "end":
            new = self.percent + (95.0 - self.percent) * 0.2
        else:
            return None
        new = max(self.percent, min(new, 100.0))  # never backwards
        if new == self.percent:
            return None
        self.percent = new
        return new


def _pump(stream: Any, name: str, lines: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        lines.put((name, line.rstrip("\r\n")))
    stream.close()


def _interrupt(proc: subprocess.Popen) -> None:
    if os.name == "nt":
        # Windows has no SIGINT for another process: the command stops at once, and an
        # output it was writing may leave a temporary file (removed by its next write)
        proc.terminate()
    else:
        proc.send_signal(signal.SIGINT)


class _Said:
    """What the command said, sorted for the feedback and the final message."""

    def __init__(self, feedback: Any, progress: StepProgress) -> None:
        self.feedback = feedback
        self.progress = progress
        self.stdout: list[str] = []
        self.errors: list[str] = []
        self.interrupted: list[str] = []
        self.other: list[str] = []

    def line(self, stream: str, text: str) -> None:
        if stream == "stdout":
            self.stdout.append(text)
            if text.strip():
                self.feedback.pushInfo(text)
            return
        event = _event(text)
        if event is not None:
            self._event(event)
        elif text.startswith(("error: ", "Error: ")):  # the CLI's and click's
            self.errors.append(text.split(": ", 1)[1])
        elif text.startswith("internal error: "):
            self.errors.append(text)
        elif text.startswith("interrupted: "):
            self.interrupted.append(text.split(": ", 1)[1])
        elif text.strip():
            self.other.append(text)
            self.feedback.pushInfo(text)

    def _event(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "warning":
            _warn(self.feedback, str(event.get("message", "")))
        elif kind == "start":
            self.feedback.setProgressText(str(event.get("step", "")))
        elif kind == "end":
            self.feedback.pushInfo(f"{event.get('step', '')}: {event.get('seconds', 0):.1f} s")
        percent = self.progress.update(event)
        if percent is not None:
            self.feedback.setProgress(percent)


def _event(text: str) -> dict | None:
    if not text.startswith("{"):
        return None
    try:
        event = json.loads(text)
    except ValueError:
        return None
    return event if isinstance(event, dict) and "event" in event else None


def _warn(feedback: Any, message: str) -> None:
    push = getattr(feedback, "pushWarning", None)  # QGIS >= 3.16
    if push is not None:
        push(message)
    else:
        feedback.reportError(message, False)


def run(
    command: Sequence[str],
    feedback: Any,
    *,
    plan: Iterable[tuple[str, float]] = (),
    grace_s: float = GRACE_S,
    poll_s: float = 0.1,
    cwd: str | None = None,
) -> list[str]:
    """Run ``command``, reporting to ``feedback``; return its stdout lines.

    Parameters
    ----------
    command
        The executable and its arguments.
    feedback
        A ``QgsProcessingFeedback`` (or alike): progress, step names, warnings and the
        command's own lines go to it; its ``isCanceled()`` is polled every ``poll_s``.
    plan
        The command's steps and their shares (:data:`PLANS`).
    grace_s
        Seconds the command has to stop after SIGINT before it is killed.
    poll_s
        Seconds between two looks at the cancel flag.
    cwd
        The command's working folder.

    Raises
    ------
    CancelledError
        When ``feedback`` was cancelled and the command stopped (or was killed).
    CommandError
        When the command failed: its ``error:`` lines (the library's message naming the
        file, layer, field or value), else its exit code and last lines.
    """
    flags = 0
    if os.name == "nt":
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console window pops up
    try:
        proc = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=child_env(),
            cwd=cwd,
            creationflags=flags,
        )
    except OSError as exc:
        raise CommandError(f"cannot start '{command[0]}': {exc.strerror or exc}") from None
    lines: queue.Queue = queue.Queue()
    pumps = [
        threading.Thread(target=_pump, args=(proc.stdout, "stdout", lines), daemon=True),
        threading.Thread(target=_pump, args=(proc.stderr, "stderr", lines), daemon=True),
    ]
    for t in pumps:
        t.start()
    said = _Said(feedback, StepProgress(tuple(plan)))
    cancelled_at: float | None = None
    killed = False
    while True:
        _drain(lines, said)
        if proc.poll() is not None:
            break
        if cancelled_at is None and feedback.isCanceled():
            feedback.pushInfo("cancelling: landprofile was asked to stop")
            _interrupt(proc)
            cancelled_at = time.monotonic()
        elif cancelled_at is not None and time.monotonic() - cancelled_at > grace_s:
            proc.kill()
            killed = True
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=poll_s)
    for t in pumps:
        t.join(timeout=5)
    _drain(lines, said)
    return _outcome(proc.returncode, said, cancelled_at is not None, killed, grace_s)


def _drain(lines: queue.Queue, said: _Said) -> None:
    while True:
        try:
            stream, text = lines.get_nowait()
        except queue.Empty:
            return
        said.line(stream, text)


def _outcome(code: int, said: _Said, cancelled: bool, killed: bool, grace_s: float) -> list[str]:
    if code == 0:
        # done: the bar ends full whatever share of the plan the steps reported (a
        # command without a plan only moves towards 95 %)
        if said.progress.percent < 100.0:
            said.progress.percent = 100.0
            said.feedback.setProgress(100.0)
        return said.stdout
    if killed:
        raise CancelledError(
            f"landprofile did not stop within {grace_s:g} s of the cancel and was killed; "
            "an output it was writing may have left a temporary file beside it "
            "(landprofile removes it on its next write there)"
        )
    interrupted = code in (EXIT_INTERRUPTED, -signal.SIGINT) or (cancelled and code != 2)
    if interrupted:
        raise CancelledError(
            "landprofile was cancelled: "
            + (said.interrupted[-1] if said.interrupted else "no output was written")
        )
    if said.errors:
        raise CommandError("\n".join(said.errors))
    tail = "\n".join(said.other[-10:])
    raise CommandError(
        f"landprofile exited with code {code}" + (f":\n{tail}" if tail else " and said nothing")
    )
