"""The FunctionRpc message classes handed to azure-functions-runtime, compiled from ``function_rpc.proto``.

The runtime takes its message classes from the caller (``request.properties["protos"]``), as it takes them from the
Python worker in Azure. They are compiled on first use with ``grpc_tools.protoc`` (pinned in
requirements-dev.txt) into ``_generated/<digest of the .proto>/``, so an edited .proto is compiled again.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from types import ModuleType

PROTO = Path(__file__).with_name("function_rpc.proto")
GENERATED = Path(__file__).with_name("_generated")
MODULE = "function_rpc_pb2"


class ProtoCompileError(RuntimeError):
    """protoc refused the .proto (its message is printed on stderr)."""


@functools.cache
def messages() -> ModuleType:
    """The compiled module: ``messages().InvocationRequest``, ``messages().TypedData``, ..."""
    digest = hashlib.sha256(PROTO.read_bytes()).hexdigest()[:16]
    target = GENERATED / digest / f"{MODULE}.py"
    if not target.is_file():
        _compile(target.parent)
    spec = importlib.util.spec_from_file_location(f"{__name__}.{MODULE}", target)
    if spec is None or spec.loader is None:
        raise ProtoCompileError(f"cannot load {target}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _compile(folder: Path) -> None:
    """Compile into a fresh folder, then move it into place (host processes may start at the same moment)."""
    from grpc_tools import protoc  # type: ignore[import-untyped]

    GENERATED.mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=GENERATED))
    well_known = importlib.resources.files("grpc_tools") / "_proto"
    arguments = ["protoc", f"-I{PROTO.parent}", f"-I{well_known}", f"--python_out={scratch}", str(PROTO)]
    try:
        if protoc.main(arguments) != 0:
            raise ProtoCompileError(f"protoc could not compile {PROTO}")
        (scratch / f"{PROTO.stem}_pb2.py").rename(scratch / f"{MODULE}.py")
        try:
            os.replace(scratch, folder)
        except OSError:
            if not (folder / f"{MODULE}.py").is_file():  # another process won the race only if its file is there
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
