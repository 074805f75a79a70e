"""`python -m portal serve`: the production build on one port, with workers that are replaced when they die.

Reflex's own `reflex run --env prod --single-port` compiles the app, builds the static frontend and then starts
Granian; but it builds Granian's server without `respawn_failed_workers`, so one worker killed by the OOM killer
(or anything else) makes Granian stop the surviving workers and exit, and no setting reaches that option. This
launcher runs Reflex's own `run` command unchanged and replaces only the last step, the function that starts the
production Granian server (`reflex.utils.exec.run_granian_backend_prod`, looked up at call time), with one that:

- respawns a worker that died, while the others keep serving;
- binds the listening socket once, in the supervisor, and hands that one socket to every worker (a replacement
  inherits it). On Linux Granian otherwise lets each worker bind its own SO_REUSEPORT socket: connections the kernel
  had already queued on a dead worker's socket are reset, and the port refuses connections while no worker is up.
  With one shared socket they wait in its backlog for whichever worker accepts next.

Everything else (compile, frontend build, the static mount, fork preloading, log settings, GRANIAN_WORKERS) is the
Reflex code path, so `scripts/start` and the test harness (tests/serve.py) serve exactly what production serves.
"""

from __future__ import annotations

import os
import socket
import sys

from portal.kernel.settings import PROJECT_ROOT

# A worker that dies again within Granian's crash-loop window (5.5 s after its respawn) stops the server: a broken
# build fails loudly instead of respawning forever.


def _server_class():
    from granian.net import SocketSpec
    from granian.server import Server

    class RespawningServer(Server):  # pyright: ignore[reportGeneralTypeIssues]
        """Granian's process server with one listening socket bound by the supervisor and shared by all workers."""

        def _init_shared_socket(self):
            self._ssp = SocketSpec(self.bind_addr, self.bind_port, self.backlog)
            self._shd = self._ssp.build()
            self._sfd = self._shd.get_fd()
            self._ssp = None
            sock = socket.socket(fileno=self._sfd)
            sock.set_inheritable(True)
            self._sso = sock

    return RespawningServer


def run_granian_backend_prod(host: str, port: int, loglevel, app_target: str | None = None) -> None:
    """Reflex 0.10.1's `run_granian_backend_prod`, with respawning workers on one shared socket."""
    import multiprocessing

    from granian.constants import Interfaces
    from granian.log import LogLevels
    from reflex.utils import exec as rx_exec

    if (start_method := rx_exec._backend_start_method()) is not None:
        multiprocessing.set_start_method(start_method, force=True)
        if start_method == "fork" and not rx_exec._preload_for_fork(app_target):
            multiprocessing.set_start_method("spawn", force=True)

    server = _server_class()(
        target=app_target or rx_exec.get_app_instance_from_file(),
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        log_level=LogLevels(os.getenv("GRANIAN_LOG_LEVEL", loglevel.value)),
        log_dictconfig=rx_exec._granian_log_dictconfig(),
        workers=int(os.getenv("GRANIAN_WORKERS", str(rx_exec._get_backend_workers()))),
        respawn_failed_workers=True,
        # A worker that will not stop within this is killed, so a shutdown or respawn never hangs.
        workers_kill_timeout=10,
    )
    server.serve()


def serve(port: int, host: str | None = None) -> int:
    """Compile, build and serve the production app on `port` (frontend and backend on the same port)."""
    os.chdir(PROJECT_ROOT)  # Reflex finds rxconfig.py and .web/ in the working directory
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    from reflex import reflex as rx_cli
    from reflex.utils import exec as rx_exec

    rx_exec.run_granian_backend_prod = run_granian_backend_prod
    args = ["run", "--env", "prod", "--single-port", "--frontend-port", str(port), "--backend-port", str(port)]
    if host:
        args += ["--backend-host", host]
    try:
        rx_cli.cli.main(args=args, prog_name="reflex", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0
