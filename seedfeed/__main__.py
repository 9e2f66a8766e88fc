"""`python -m seedfeed` runs the command line."""

from .cli import main

main()
