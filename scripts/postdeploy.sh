#!/bin/sh
# azd postdeploy hook: the provisioning pass that creates the Event Grid subscriptions ACS -> acs_events.
# Event Grid refuses a subscription to a function that does not exist, and the function exists only once its code
# is deployed and indexed. So every other provisioning leaves the subscriptions out (an incremental deployment keeps
# those that exist), and this pass, after every deploy, includes them. EVENT_SUBSCRIPTIONS_PASS is set for this
# pass alone, in its own process environment: nothing is stored in the azd environment that a later provisioning of
# a new or emptied environment could pick up (azd reads a parameter's variable from the process environment when
# the azd environment does not hold it, which is also how the GitHub workflow's variables reach it). The pass
# retries while the host indexes the app.
set -eu

if azd env get-value EVENT_SUBSCRIPTIONS_PASS >/dev/null 2>&1; then
  echo "EVENT_SUBSCRIPTIONS_PASS is stored in the azd environment, where it would override this pass; delete its line from .azure/${AZURE_ENV_NAME:-<environment>}/.env and run 'azd deploy' again." >&2
  exit 1
fi

attempts="${EVENT_SUBSCRIPTION_ATTEMPTS:-4}"
attempt=1
until EVENT_SUBSCRIPTIONS_PASS=true EVENT_SUBSCRIPTIONS_PASS_BY=postdeploy azd provision --no-prompt; do
  if [ "$attempt" -ge "$attempts" ]; then
    echo "Could not create the Event Grid subscriptions; once acs_events shows in the portal, run 'azd deploy' again (this hook runs after it)." >&2
    exit 1
  fi
  echo "acs_events may not be indexed yet; trying again in 60 s (attempt $attempt of $attempts)."
  sleep "${EVENT_SUBSCRIPTION_RETRY_SECONDS:-60}"
  attempt=$((attempt + 1))
done
echo "Event Grid delivers IncomingCall and RecordingFileStatusUpdated to acs_events."
