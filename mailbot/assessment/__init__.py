"""`mailbot report`: figures on how member mail was answered over a period, as CSV and a printable HTML page.

period.py and figures.py are pure (policy-like: no I/O, no clock); query.py reads the store with SQL
aggregation; charts.py and files.py render; command.py wires them for the CLI.
"""
