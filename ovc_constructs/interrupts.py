"""Ctrl-C (SIGINT) and SIGTERM as one line and exit 130 or 143, from the program's first line to its last.

Only the standard library is imported here, so that an entry point can install the handler before its
heavy imports (pydantic, jsii): an interrupt while they load is the same one line, not a traceback."""
from __future__ import annotations

import os
import signal
import sys
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM, raised wherever the program is, so every clean-up on the way out runs."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def handler(signum: int, _frame) -> None:
    sys.stderr = open(os.devnull, "w")  # jsii's node process reports its broken channel on the way out
    raise Interrupted(signum)


def install() -> None:
    """Have the jsii node process this program starts leave SIGINT and SIGTERM to Python
    (`jsii_node_signals.js`), then raise Interrupted on them (in the main thread; where they are not ignored).
    Call it inside the `try` that reports an interrupt: a signal may arrive the moment the handler is in place."""
    leave_signals_to_python = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jsii_node_signals.js")
    option = '--require "{}"'.format(leave_signals_to_python.replace("\\", "\\\\").replace('"', '\\"'))
    # (only if the file is there: node refuses to start with a missing --require)
    if os.path.isfile(leave_signals_to_python) and option not in os.environ.get("NODE_OPTIONS", ""):
        os.environ["NODE_OPTIONS"] = f"{os.environ.get('NODE_OPTIONS', '')} {option}".strip()
    if threading.current_thread() is threading.main_thread():
        for signum in SIGNALS:
            if signal.getsignal(signum) != signal.SIG_IGN:
                signal.signal(signum, handler)


def ignore() -> None:
    """The exit status is decided: a late signal must not cut short the exit itself (jsii's atexit stop)."""
    if threading.current_thread() is threading.main_thread():
        for signum in SIGNALS:
            signal.signal(signum, signal.SIG_IGN)


def message(prog: str, error: BaseException) -> tuple[str, int]:
    signum = getattr(error, "signum", signal.SIGINT)
    return (f"{prog}: interrupted by {signal.Signals(signum).name}, exit {128 + signum}; no file was left half-written",
            128 + signum)


def report(prog: str, error: BaseException) -> int:
    """Print the one line on the real standard error; return the exit status."""
    ignore()
    line, code = message(prog, error)
    try:
        print(line, file=sys.__stderr__, flush=True)
    except (OSError, ValueError, AttributeError):
        pass
    return code
