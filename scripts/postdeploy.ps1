# azd postdeploy hook (Windows): the provisioning pass that creates the Event Grid subscriptions ACS -> acs_events,
# once the function exists. Same steps as postdeploy.sh: EVENT_SUBSCRIPTIONS_PASS is set for this pass alone, in
# this process's environment, never stored in the azd environment.
$ErrorActionPreference = 'Stop'

azd env get-value EVENT_SUBSCRIPTIONS_PASS *> $null
if ($LASTEXITCODE -eq 0) {
    Write-Error "EVENT_SUBSCRIPTIONS_PASS is stored in the azd environment, where it would override this pass; delete its line from .azure/$env:AZURE_ENV_NAME/.env and run 'azd deploy' again."
}

$attempts = if ($env:EVENT_SUBSCRIPTION_ATTEMPTS) { [int]$env:EVENT_SUBSCRIPTION_ATTEMPTS } else { 4 }
$retrySeconds = if ($env:EVENT_SUBSCRIPTION_RETRY_SECONDS) { [int]$env:EVENT_SUBSCRIPTION_RETRY_SECONDS } else { 60 }
$env:EVENT_SUBSCRIPTIONS_PASS = 'true'
$env:EVENT_SUBSCRIPTIONS_PASS_BY = 'postdeploy'
try {
    for ($attempt = 1; ; $attempt++) {
        azd provision --no-prompt
        if ($LASTEXITCODE -eq 0) { break }
        if ($attempt -ge $attempts) {
            Write-Error "Could not create the Event Grid subscriptions; once acs_events shows in the portal, run 'azd deploy' again (this hook runs after it)."
        }
        Write-Host "acs_events may not be indexed yet; trying again in $retrySeconds s (attempt $attempt of $attempts)."
        Start-Sleep -Seconds $retrySeconds
    }
}
finally {
    Remove-Item Env:EVENT_SUBSCRIPTIONS_PASS, Env:EVENT_SUBSCRIPTIONS_PASS_BY -ErrorAction SilentlyContinue
}
Write-Host 'Event Grid delivers IncomingCall and RecordingFileStatusUpdated to acs_events.'
