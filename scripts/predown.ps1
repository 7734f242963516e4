# azd predown hook (Windows): the same notice as predown.sh, before anything is deleted.
$ErrorActionPreference = 'Stop'

$group = if ($env:AZURE_RESOURCE_GROUP) { $env:AZURE_RESOURCE_GROUP } else { "rg-$env:AZURE_ENV_NAME" }
$account = if ($env:AZURE_STORAGE_ACCOUNT_NAME) { $env:AZURE_STORAGE_ACCOUNT_NAME } else { '<storage account>' }
$container = if ($env:ARCHIVE_CONTAINER) { $env:ARCHIVE_CONTAINER } else { 'recordings' }
$retention = if ($env:ARCHIVE_RETENTION_DAYS_DEPLOYED) { $env:ARCHIVE_RETENTION_DAYS_DEPLOYED } else { '0' }

Write-Host "azd down deletes the resource group $group, the archive included: copy '$container' first if you need it."
if ($retention -ne '0') {
    Write-Host "Every blob version in '$container' stays undeletable for $retention days after it was written."
}
Write-Host 'Blob versions under a retention policy or a legal hold (POST /api/calls/{callId}/legal-hold) cannot be deleted:'
Write-Host "if '$container' holds any, azd down removes everything else and then fails on $account and $group."
Write-Host 'To finish: clear the legal holds (DELETE /api/calls/{callId}/legal-hold, or az storage blob set-legal-hold --legal-hold false),'
Write-Host 'wait until the retention has passed, then run:'
Write-Host "  az group delete --name $group --yes"
Write-Host 'ACS phone numbers must be released first as well: a Communication Services resource with numbers cannot be deleted.'
