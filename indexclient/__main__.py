"""`python -m indexclient`: the command line."""

from indexclient.cli import main

main()
