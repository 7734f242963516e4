"""``python -m tools.case``: export chosen calls as a case that ``python -m tools.audit --case`` verifies offline."""
