"""`python -m peerchat.cli`: the same as the `peerchat` command."""

from peerchat.cli import main

main()
