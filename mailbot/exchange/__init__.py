"""Exchange ports (base.py) and their adapters: ews.py (exchangelib), graph.py (msal + requests)."""
