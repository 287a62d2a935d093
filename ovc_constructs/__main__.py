"""`python -m ovc_constructs` and the `ovc` console script: one program."""
import os
import sys

from . import interrupts


def run() -> int:
    """The program's exit status; it silences jsii's Node end-of-life banner for itself (the library does not)."""
    try:
        interrupts.install()  # first: Ctrl-C or SIGTERM while pydantic and jsii load is the same one line
        os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
        from .cli import main

        code = main()
    except KeyboardInterrupt as error:  # between the imports and main's own handling
        code = interrupts.report("python -m ovc_constructs", error)
    interrupts.ignore()  # the status is decided; a late signal must not break jsii's exit (atexit)
    return code


if __name__ == "__main__":
    sys.exit(run())
