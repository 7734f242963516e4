"""Handlers: plain functions that take a typed input and explicit dependencies (``Deps``).

``function_app.py`` parses nothing and decides nothing: it hands the trigger's payload to one of these and maps
the result to the binding or HTTP response.
"""
