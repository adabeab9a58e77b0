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

    out, stop_at = sys.argv[1], int(sys.argv[2])  # stop_at: rank 0 alone asks to stop after that iteration

    def request_stop(trainer):
        if dist.get_rank() == 0 and trainer.iteration == stop_at:
            trainer.stop_requested = True

    units = ["the cat sat on the mat", "a dog ran", "the mat is red", "red dogs sat"] * 10
    ran = []
    model = train(ACTConfig(vocab_size=2, hidden=8, max_steps=3, dropout=0.1),
                  TrainConfig(iterations=4, seq_len=8, batch_size=2, eval_every=2, progress=False, out=out + "/run",
                              average_from=3),  # every rank averages the same synchronised weights
                  units, units[:3], callbacks=[("on_batch_end", request_stop),
                                               ("on_batch_end", lambda trainer: ran.append(trainer.iteration))])
    rank = dist.get_rank()
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, f"{out}/rank{rank}.safetensors")
    open(f"{out}/rank{rank}.iterations", "w").write(str(ran[-1]))
    dist.destroy_process_group()
""")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_workers(tmp_path, stop_at: int) -> None:
    """Train on two gloo processes (rank 0 asking to stop after iteration ``stop_at``, 0: never)."""
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port()), "WORLD_SIZE": "2",
           "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, str(script), str(tmp_path), str(stop_at)],
                              env={**os.environ, **env, "RANK": str(rank), "LOCAL_RANK": str(rank)},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for rank in range(2)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), "\n".join(outputs)
    first, second = (load_file(str(tmp_path / f"rank{r}.safetensors")) for r in range(2))
    assert first.keys() == second.keys()
    for name in first:
        assert torch.equal(first[name], second[name]), name


def test_two_gloo_processes_keep_identical_parameters(tmp_path):
    run_workers(tmp_path, stop_at=0)
    run = tmp_path / "run"
    records = (run / "log.jsonl").read_text().splitlines()
    assert len(records) == 3 and '"weights": "average"' in records[-1]  # rank 0 alone writes
    assert '"world_size": 2' in (run / "config.json").read_text()


def test_a_stop_requested_on_rank_0_ends_every_process_at_the_same_iteration(tmp_path):
    """Early stopping decides on rank 0; the others follow at the next iteration, which is the last."""
    run_workers(tmp_path, stop_at=1)
    assert [(tmp_path / f"rank{r}.iterations").read_text() for r in range(2)] == ["2", "2"]
