"""Execute a notebook as `jupyter nbconvert --to notebook --execute` does (nbclient), but keep a
cell's outputs that reach the client after the kernel reported the cell idle.

Why: nbclient stops reading a cell's iopub messages at its `status: idle` and drops anything
later for that cell. The Deno kernel (2.x) sometimes publishes a cell's execute_result or stream
output after its idle status (seen in this repository under load: a small query table, a
console.log line, the 4.8 MB plotly.js bundle), so the output is lost without an error. This
runner reads on for GRACE_S seconds after each idle and adds late outputs of the cell, reporting
each on stderr ("late output: cell N <type>").

Usage: python3 lib/report/_notebook_exec.py IN.ipynb OUT.ipynb [--timeout 600] [--iopub-timeout 120]
The kernel runs in the notebook's folder (as with nbconvert).
"""
import argparse
import os
import sys
from queue import Empty

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async

GRACE_S = 2.0


class LateOutputClient(NotebookClient):
    late = 0

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        assert self.kc is not None
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    break
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=GRACE_S))
            except Empty:
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            if msg["msg_type"] == "status":
                continue
            self.late += 1
            print(f"late output: cell {cell_index} {msg['msg_type']}", file=sys.stderr, flush=True)
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                pass


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dest")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--iopub-timeout", type=int, default=120)
    a = ap.parse_args()
    nb = nbformat.read(a.src, as_version=4)
    client = LateOutputClient(
        nb,
        timeout=a.timeout,
        iopub_timeout=a.iopub_timeout,
        raise_on_iopub_timeout=True,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", ""),
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(a.src))}},
    )
    client.execute()
    nbformat.write(nb, a.dest)
    print(f"late outputs kept: {client.late}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
