"""A toy app whose import fails, as an app with a bad top-level statement does."""

import azure.functions as func

app = func.FunctionApp()

raise RuntimeError("this app cannot be imported")
