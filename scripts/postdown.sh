#!/bin/sh
# azd postdown hook: after a complete `azd down` (it runs only when the deletion succeeded) nothing deployed is left,
# so the values carried from the last provisioning start over: no retention floor, a budget starting this month.
set -eu
azd env set ARCHIVE_RETENTION_DAYS_DEPLOYED 0
azd env set BUDGET_START_DATE "$(date -u +%Y-%m-01T00:00:00Z)"
