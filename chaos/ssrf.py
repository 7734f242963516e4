"""The SSRF corpus (reference section 4 plus address and parser tricks) and a trap listener on loopback.

Every URL in the corpus must be refused before any request: the trap counts every connection it receives, and
the emulator's CONNECT proxy (the route to any non-loopback host) logs every host it refuses.
"""

from __future__ import annotations

import logging
import socket
import threading

log = logging.getLogger(__name__)
ACS = "us-storage.asm.skype.com"
PATH = "/v1/objects/0-eus-d1-chaos/content/audiowav"


def corpus(trap: int) -> dict[str, str]:
    """name -> URL; ``trap`` is the loopback port of the trap listener."""
    loop = f"127.0.0.1:{trap}"
    return {
        # reference section 4
        "http loopback": f"http://{loop}{PATH}",
        "https loopback": f"https://{loop}{PATH}",
        "other host": f"https://evil.example.com{PATH}",
        "suffix then other domain": f"https://x.asm.skype.com.evil{PATH}",
        "userinfo": f"https://x.asm.skype.com@evil{PATH}",
        "backslash bypass": "https://evil.example.com\\@x.asm.skype.com/calling/recordings/ID",
        "backslash to trap": f"https://{loop}\\@{ACS}/calling/recordings/ID",
        "non-default port": f"https://{ACS}:8443{PATH}",
        # IP literals
        "ipv6 loopback": f"https://[::1]:{trap}{PATH}",
        "decimal ip": f"https://2130706433:{trap}{PATH}",
        "hex ip": f"https://0x7f.0.0.1:{trap}{PATH}",
        "short ip": f"https://127.1:{trap}{PATH}",
        "octal ip": f"https://0177.0.0.1:{trap}{PATH}",
        "ipv4-mapped ipv6": f"https://[::ffff:127.0.0.1]:{trap}{PATH}",
        "zero address": f"https://0.0.0.0:{trap}{PATH}",
        "localhost": f"https://localhost:{trap}{PATH}",
        # link-local and metadata
        "imds": "http://169.254.169.254/metadata/instance?api-version=2021-02-01",
        "imds https": "https://169.254.169.254/latest/meta-data/",
        "link-local v6": "https://[fe80::1]/x",
        "gcp metadata": "https://metadata.google.internal/computeMetadata/v1/",
        "alibaba metadata": "https://100.100.100.200/latest/meta-data/",
        "aws v6 metadata": "https://[fd00:ec2::254]/latest/meta-data/",
        "azure wireserver": "https://168.63.129.16/machine?comp=goalstate",
        # mixed case
        "mixed case suffix then other": f"HTTPS://US-Storage.ASM.Skype.COM.evil.example{PATH}",
        "mixed case userinfo": f"hTTps://Us-Storage.Asm.Skype.Com@{loop}{PATH}",
        "mixed case scheme http": f"HTTP://{ACS.upper()}{PATH}",
        # IDN
        "fullwidth dot": f"https://us-storage.asm.skype\uff0ecom.evil.example{PATH}",
        "ideographic dot": f"https://evil.example\u3002asm.skype.com{PATH}",
        "punycode lookalike": f"https://us-storage.asm.xn--skye-3ya.com{PATH}",
        "unicode lookalike": f"https://us-storage.asm.sk\u0443pe.com{PATH}",
        "idn label": f"https://b\u00fccher.asm.skype.com{PATH}",
        # percent-encoding
        "encoded dots": f"https://us-storage%2Easm%2Eskype%2Ecom.evil.example{PATH}",
        "encoded slash": f"https://{loop}%2F.asm.skype.com{PATH}",
        "encoded at": f"https://{loop}%40x.asm.skype.com{PATH}",
        "encoded hash": f"https://evil.example%23.asm.skype.com{PATH}",
        "encoded host": "https://%31%32%37%2e%30%2e%30%2e%31/x.asm.skype.com",
        # userinfo
        "user and password": f"https://user:pass@{ACS}{PATH}",
        "port-like userinfo": f"https://{ACS}:443@{loop}{PATH}",
        "empty userinfo": f"https://@{loop}{PATH}",
        # ports
        "port 80": f"https://{ACS}:80{PATH}",
        "port 0": f"https://{ACS}:0{PATH}",
        "port out of range": f"https://{ACS}:65536{PATH}",
        "explicit 443 to trap": f"https://{loop}:443{PATH}",
        # parser tricks
        "fragment": f"https://{loop}#.asm.skype.com{PATH}",
        "query": f"https://{loop}?.asm.skype.com{PATH}",
        "scheme relative": f"//{ACS}{PATH}",
        "triple slash": f"https:///{loop}{PATH}",
        "backslashes": f"https:\\\\{loop}\\{PATH}",
        "tab in host": f"https://{ACS}\t.evil.example{PATH}",
        "newline userinfo": f"https://{ACS}\n@{loop}{PATH}",
        "nul in host": f"https://{loop}\x00.asm.skype.com{PATH}",
        "space in host": f"https://{loop} .asm.skype.com{PATH}",
        "file scheme": "file:///etc/passwd",
        "gopher": f"gopher://{loop}/_x.asm.skype.com",
        "ftp": f"ftp://{ACS}{PATH}",
        "data url": "data:text/plain,x.asm.skype.com",
    }


class Trap:
    """TCP listeners on loopback that record every connection (they never answer)."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.port = self._listen(socket.AF_INET, "127.0.0.1", 0)
        for family, host, port in ((socket.AF_INET, "127.0.0.1", 443), (socket.AF_INET, "127.0.0.1", 80),
                                   (socket.AF_INET6, "::1", self.port), (socket.AF_INET, "127.0.0.1", 8443)):  # fmt: skip
            try:
                self._listen(family, host, port)
            except OSError as exc:
                log.info("trap not listening on %s:%s (%s)", host, port, exc)

    def _listen(self, family: int, host: str, port: int) -> int:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(64)
        sock.settimeout(0.2)
        self._sockets.append(sock)
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()
        return int(sock.getsockname()[1])

    def _accept(self, sock: socket.socket) -> None:
        while True:
            try:
                conn, peer = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.hits.append(f"{sock.getsockname()[:2]} from {peer[:2]}")
            conn.close()

    def close(self) -> None:
        for sock in self._sockets:
            sock.close()
