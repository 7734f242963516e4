"""The smallest app the runtime can load: one HTTP function. The cold-start benchmark's reference."""

import azure.functions as func

app = func.FunctionApp()


@app.route(route="ping", auth_level=func.AuthLevel.ANONYMOUS)
def ping(req: func.HttpRequest) -> str:
    return "pong"
