"""Chaos and security suite: the pipeline on the local stack under duplicates, faults, crashes and hostile input.

``python -m chaos`` runs every scenario at full size and prints one table; ``--small`` runs the sizes
``make test`` uses. Each scenario starts its own stack (Azurite, ACS emulator, local Functions host).
"""
