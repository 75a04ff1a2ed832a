"""mailbot: keeps an organisation's service level on Microsoft Exchange."""

__version__ = "0.1.0"
