# azd postdown hook (Windows): the same as postdown.sh.
$ErrorActionPreference = 'Stop'
azd env set ARCHIVE_RETENTION_DAYS_DEPLOYED 0
azd env set BUDGET_START_DATE ((Get-Date).ToUniversalTime().ToString("yyyy-MM-01'T'00':'00':'00'Z'"))
