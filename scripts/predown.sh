#!/bin/sh
# azd predown hook: says, before anything is deleted, what `azd down` cannot delete and how to finish.
# Azure refuses to delete a blob version under a retention policy or a legal hold, and so its container, the storage
# account and the resource group (https://learn.microsoft.com/azure/storage/blobs/immutable-storage-overview).
# azd down then deletes everything else and fails on those; the commands below finish the job.
set -eu

group="${AZURE_RESOURCE_GROUP:-rg-${AZURE_ENV_NAME:-<environment>}}"
account="${AZURE_STORAGE_ACCOUNT_NAME:-<storage account>}"
container="${ARCHIVE_CONTAINER:-recordings}"
retention="${ARCHIVE_RETENTION_DAYS_DEPLOYED:-0}"

echo "azd down deletes the resource group $group, the archive included: copy '$container' first if you need it."
if [ "$retention" != "0" ]; then
  echo "Every blob version in '$container' stays undeletable for $retention days after it was written."
fi
echo "Blob versions under a retention policy or a legal hold (POST /api/calls/{callId}/legal-hold) cannot be deleted:"
echo "if '$container' holds any, azd down removes everything else and then fails on $account and $group."
echo "To finish: clear the legal holds (DELETE /api/calls/{callId}/legal-hold, or az storage blob set-legal-hold --legal-hold false),"
echo "wait until the retention has passed, then run:"
echo "  az group delete --name $group --yes"
echo "ACS phone numbers must be released first as well: a Communication Services resource with numbers cannot be deleted."
