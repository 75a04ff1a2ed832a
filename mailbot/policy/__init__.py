"""Pure decisions: no I/O, no wall clock."""
