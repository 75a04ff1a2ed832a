"""`python -m mailbot` is the same as the `mailbot` command."""

from mailbot.cli import main

if __name__ == "__main__":  # not again in a worker process that imports the main module (the report's charts)
    main()
