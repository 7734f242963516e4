#!/bin/sh
# azd postdeploy hook: the second provisioning pass that creates the Event Grid subscription ACS -> acs_events.
# Event Grid refuses a subscription to a function that does not exist yet, so the first pass (before the code
# is deployed) leaves it out; this pass runs once the code is there. It retries while the host indexes the app.
set -eu

if [ "${CREATE_EVENT_SUBSCRIPTION:-false}" = "true" ]; then
  echo "Event Grid subscription ACS -> acs_events is part of the deployment already."
  exit 0
fi

azd env set CREATE_EVENT_SUBSCRIPTION true
attempt=1
until azd provision --no-prompt; do
  if [ "$attempt" -ge "${EVENT_SUBSCRIPTION_ATTEMPTS:-4}" ]; then
    azd env set CREATE_EVENT_SUBSCRIPTION false
    echo "Could not create the Event Grid subscription; run 'azd env set CREATE_EVENT_SUBSCRIPTION true' and 'azd provision' once acs_events shows in the portal." >&2
    exit 1
  fi
  echo "acs_events may not be indexed yet; trying again in 60 s (attempt $attempt)."
  sleep 60
  attempt=$((attempt + 1))
done
echo "Event Grid now delivers IncomingCall and RecordingFileStatusUpdated to acs_events."
