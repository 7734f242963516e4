# azd preprovision hook (Windows): the same two refusals as preprovision.sh.
$ErrorActionPreference = 'Stop'

$pass = if ($env:EVENT_SUBSCRIPTIONS_PASS) { $env:EVENT_SUBSCRIPTIONS_PASS } else { 'false' }
if ($pass -ne 'false' -and $env:EVENT_SUBSCRIPTIONS_PASS_BY -ne 'postdeploy') {
    Write-Error "EVENT_SUBSCRIPTIONS_PASS=$pass outside the postdeploy hook: the Event Grid subscriptions are created by that hook once acs_events exists. Delete EVENT_SUBSCRIPTIONS_PASS from .azure/$env:AZURE_ENV_NAME/.env or from your shell, then provision again."
}

$requestedText = if ($env:ARCHIVE_RETENTION_DAYS) { $env:ARCHIVE_RETENTION_DAYS } else { '0' }
$deployedText = if ($env:ARCHIVE_RETENTION_DAYS_DEPLOYED) { $env:ARCHIVE_RETENTION_DAYS_DEPLOYED } else { '0' }
if ($requestedText -notmatch '^[0-9]+$' -or $deployedText -notmatch '^[0-9]+$') {
    Write-Error "ARCHIVE_RETENTION_DAYS and ARCHIVE_RETENTION_DAYS_DEPLOYED must be whole numbers of days (got '$requestedText' and '$deployedText')."
}
$requested = [int]$requestedText
$deployed = [int]$deployedText
if ($requested -lt $deployed) {
    $account = if ($env:AZURE_STORAGE_ACCOUNT_NAME) { $env:AZURE_STORAGE_ACCOUNT_NAME } else { '<storage account>' }
    $container = if ($env:ARCHIVE_CONTAINER) { $env:ARCHIVE_CONTAINER } else { 'recordings' }
    $message = "ARCHIVE_RETENTION_DAYS=$requested is lower than the $deployed days deployed on '$container'; nothing was provisioned.`n"
    if ($env:ARCHIVE_RETENTION_LOCKED -eq 'true') {
        $message += "The policy is locked: Azure allows extending it only. Set ARCHIVE_RETENTION_DAYS back to $deployed or more."
    }
    elseif ($requested -eq 0) {
        $message += "Provisioning cannot remove a policy. To remove the unlocked policy (blob versions written so far keep theirs):`n"
        $message += "  az storage container immutability-policy delete --account-name $account --container-name $container --if-match `"`$(az storage container immutability-policy show --account-name $account --container-name $container --query etag --output tsv)`"`n"
        $message += '  azd env set ARCHIVE_RETENTION_DAYS_DEPLOYED 0'
    }
    else {
        $message += "To shorten the unlocked policy to $requested days for blob versions written from now on, say so and provision again:`n"
        $message += "  azd env set ARCHIVE_RETENTION_DAYS_DEPLOYED $requested"
    }
    Write-Error $message
}
