"""The ACS call recording app: domain, adapters and handlers behind ``function_app.py``."""
