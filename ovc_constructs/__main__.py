import sys

from . import interrupts

interrupts.install()  # first: Ctrl-C or SIGTERM while pydantic and jsii load is the same one line
try:
    from .cli import main

    code = main()
except KeyboardInterrupt as error:  # between the imports and main's own handling
    code = interrupts.report("python -m ovc_constructs", error)
interrupts.ignore()  # the status is decided; a late signal must not break jsii's exit (atexit)
sys.exit(code)
