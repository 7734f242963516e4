# azd postdeploy hook (Windows): the second provisioning pass that creates the Event Grid subscription
# ACS -> acs_events, once the function exists. Same steps as postdeploy.sh.
$ErrorActionPreference = 'Stop'

if ($env:CREATE_EVENT_SUBSCRIPTION -eq 'true') {
    Write-Host 'Event Grid subscription ACS -> acs_events is part of the deployment already.'
    exit 0
}

$attempts = if ($env:EVENT_SUBSCRIPTION_ATTEMPTS) { [int]$env:EVENT_SUBSCRIPTION_ATTEMPTS } else { 4 }
azd env set CREATE_EVENT_SUBSCRIPTION true
for ($attempt = 1; ; $attempt++) {
    azd provision --no-prompt
    if ($LASTEXITCODE -eq 0) { break }
    if ($attempt -ge $attempts) {
        azd env set CREATE_EVENT_SUBSCRIPTION false
        Write-Error "Could not create the Event Grid subscription; run 'azd env set CREATE_EVENT_SUBSCRIPTION true' and 'azd provision' once acs_events shows in the portal."
    }
    Write-Host "acs_events may not be indexed yet; trying again in 60 s (attempt $attempt)."
    Start-Sleep -Seconds 60
}
Write-Host 'Event Grid now delivers IncomingCall and RecordingFileStatusUpdated to acs_events.'
