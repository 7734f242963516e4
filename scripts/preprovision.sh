#!/bin/sh
# azd preprovision hook: refuses a provisioning that would create something too early or lower the archive's
# retention without saying so.
#   1. The Event Grid subscriptions are created only by the postdeploy hook's pass (scripts/postdeploy.sh), once the
#      function exists: EVENT_SUBSCRIPTIONS_PASS=true anywhere else (stored in the azd environment, or exported in the
#      shell) would make a new or emptied environment fail with "Destination endpoint not found".
#   2. ARCHIVE_RETENTION_DAYS never drops below the retention the last provisioning deployed
#      (ARCHIVE_RETENTION_DAYS_DEPLOYED, an output azd keeps in the environment): an incremental deployment cannot
#      remove a policy, and shortening one is a decision, not a typo. The message gives the commands that do it.
set -eu

if [ "${EVENT_SUBSCRIPTIONS_PASS:-false}" != "false" ] && [ "${EVENT_SUBSCRIPTIONS_PASS_BY:-}" != "postdeploy" ]; then
  echo "EVENT_SUBSCRIPTIONS_PASS=${EVENT_SUBSCRIPTIONS_PASS} outside the postdeploy hook: the Event Grid subscriptions are created by that hook once acs_events exists. Delete EVENT_SUBSCRIPTIONS_PASS from .azure/${AZURE_ENV_NAME:-<environment>}/.env or from your shell, then provision again." >&2
  exit 1
fi

requested="${ARCHIVE_RETENTION_DAYS:-0}"
deployed="${ARCHIVE_RETENTION_DAYS_DEPLOYED:-0}"
for value in "$requested" "$deployed"; do
  case "$value" in
    '' | *[!0-9]*)
      echo "ARCHIVE_RETENTION_DAYS and ARCHIVE_RETENTION_DAYS_DEPLOYED must be whole numbers of days (got '$requested' and '$deployed')." >&2
      exit 1
      ;;
  esac
done
if [ "$requested" -lt "$deployed" ]; then
  account="${AZURE_STORAGE_ACCOUNT_NAME:-<storage account>}"
  container="${ARCHIVE_CONTAINER:-recordings}"
  {
    echo "ARCHIVE_RETENTION_DAYS=$requested is lower than the $deployed days deployed on '$container'; nothing was provisioned."
    if [ "${ARCHIVE_RETENTION_LOCKED:-false}" = "true" ]; then
      echo "The policy is locked: Azure allows extending it only. Set ARCHIVE_RETENTION_DAYS back to $deployed or more."
    elif [ "$requested" -eq 0 ]; then
      echo "Provisioning cannot remove a policy. To remove the unlocked policy (blob versions written so far keep theirs):"
      echo "  az storage container immutability-policy delete --account-name $account --container-name $container --if-match \"\$(az storage container immutability-policy show --account-name $account --container-name $container --query etag --output tsv)\""
      echo "  azd env set ARCHIVE_RETENTION_DAYS_DEPLOYED 0"
    else
      echo "To shorten the unlocked policy to $requested days for blob versions written from now on, say so and provision again:"
      echo "  azd env set ARCHIVE_RETENTION_DAYS_DEPLOYED $requested"
    fi
  } >&2
  exit 1
fi
