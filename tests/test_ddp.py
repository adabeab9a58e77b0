"""DistributedDataParallel: two CPU processes (gloo) train on their own shards and stay in sync."""

import os
import socket
import subprocess
import sys
import textwrap

import torch
from safetensors.torch import load_file

WORKER = textwrap.dedent("""
    import sys
    import torch.distributed as dist
    from safetensors.torch import save_file
    from segment.models import ACTConfig, TrainConfig
    from segment.models.trainer import train

    out = sys.argv[1]
    units = ["the cat sat on the mat", "a dog ran", "the mat is red", "red dogs sat"] * 10
    model = train(ACTConfig(vocab_size=2, hidden=8, max_steps=3, dropout=0.1),
                  TrainConfig(iterations=4, seq_len=8, batch_size=2, eval_every=2, progress=False, out=out + "/run"),
                  units, units[:3])
    rank = dist.get_rank()
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, f"{out}/rank{rank}.safetensors")
    dist.destroy_process_group()
""")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_two_gloo_processes_keep_identical_parameters(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port()), "WORLD_SIZE": "2",
           "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, str(script), str(tmp_path)],
                              env={**os.environ, **env, "RANK": str(rank), "LOCAL_RANK": str(rank)},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for rank in range(2)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), "\n".join(outputs)
    first, second = (load_file(str(tmp_path / f"rank{r}.safetensors")) for r in range(2))
    assert first.keys() == second.keys()
    for name in first:
        assert torch.equal(first[name], second[name]), name
    run = tmp_path / "run"
    assert len((run / "log.jsonl").read_text().splitlines()) == 2  # rank 0 alone writes
    assert '"world_size": 2' in (run / "config.json").read_text()
