"""What a worker process loads: the configuration and the stages, never the ministry client."""

from __future__ import annotations


def test_a_worker_process_loads_no_ministry_client() -> None:
    # The worker opens the configuration: reading config.toml must not pull in the ministry's
    # SOAP client (zeep and its WSDL cost each worker about 20 MB).
    import subprocess
    import sys

    code = "import sys, hub.pipeline.worker, hub.config; print('zeep' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
