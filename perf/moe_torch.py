#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""MoE dispatch and combine the way PyTorch programs do it today, as the baseline for examples/moe.

    python3 perf/moe_torch.py [tokens=N] [hidden=N] [top_k=N] [experts=N] [routing=random|hot|sparse]
                              [seed=N] [iters=N] [device=cuda|cpu] [json=FILE]
    torchrun --nproc-per-node 2 perf/moe_torch.py ...

The problem is examples/moe's (moe_common.h): every rank holds `tokens` tokens of `hidden` bf16 values;
each picks `top_k` distinct experts of `experts` (experts / ranks per rank, in order) with weights
summing to 1, by the same hash routing; expert e maps v to bf16(v * (1 + e/16) + e * 0.01), computed
in fp32 as moe_cuda does; combine sums the outputs with the weights in fp32. One iteration is

  dispatch  rows sorted by destination expert (a stable argsort, then index_select), per-expert counts
            exchanged with all_to_all_single and read on the host (the split sizes), then the rows
            with all_to_all_single (uneven splits)
  expert    the expert function on the received rows (each row's expert from the exchanged counts)
  combine   all_to_all_single of the outputs back (the splits reversed), then a weighted index_add_
            into the tokens

NCCL on CUDA, gloo on CPU. Each phase is timed on the host with the device synchronised at its
borders, after a barrier that starts every rank together; an iteration's time is the slowest rank's.
Rank 0 prints the median of each phase and of the whole iteration, then the same as one JSON line.
Every rank checks its received row counts and its combined tokens against a local reference (no
communication); a mismatch exits 1.

Runs under torchrun (RANK, WORLD_SIZE, MASTER_ADDR, ... set) or alone as one rank (a file:// store of
its own). torch is not a dependency of Causeway: without it this exits 77 (skipped).
"""
import json
import os
import statistics
import sys
import tempfile
import time

USAGE = __doc__.split("\n\n")[1]
ROUTINGS = ("random", "hot", "sparse")
MASK64 = (1 << 64) - 1


def mix(x):
    """splitmix64's finaliser, as moe_mix in moe_common.h."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def route(cfg, pe, t):
    """moe_route: token t of rank pe's experts (distinct) and raw weights (normalised by the caller)."""
    sparse = cfg["routing"] == "sparse"
    choices = (cfg["experts"] + 1) // 2 if sparse else cfg["experts"]
    experts, weights = [], []
    for k in range(cfg["top_k"]):
        h = mix((cfg["seed"] & MASK64) ^ (pe << 40) ^ (t << 8) ^ k)
        if k == 0 and cfg["routing"] == "hot":
            e = 0
        else:
            while True:  # rejection keeps the choices distinct
                e = h % choices * (2 if sparse else 1)
                if e not in experts:
                    break
                h = mix(h)
        experts.append(e)
        weights.append(1.0 + (mix(h) % 1000) / 1000.0)
    return experts, weights


def parse(argv, world):
    cfg = {"tokens": 128, "hidden": 1024, "top_k": 4, "experts": 8 * world, "routing": "random", "seed": 1,
           "iters": 20, "device": "", "json": ""}
    for arg in argv:
        name, eq, value = arg.partition("=")
        if arg in ("-h", "--help"):
            print(USAGE)
            sys.exit(0)
        if not eq or name not in cfg:
            raise ValueError(f"unknown argument '{arg}'")
        if isinstance(cfg[name], int):
            try:
                cfg[name] = int(value)
            except ValueError:
                raise ValueError(f"{name} must be an integer, not '{value}'") from None
        else:
            cfg[name] = value
    choices = (cfg["experts"] + 1) // 2 if cfg["routing"] == "sparse" else cfg["experts"]
    bad = ("tokens must be >= 0" if cfg["tokens"] < 0
           else "hidden must be even and >= 2" if cfg["hidden"] < 2 or cfg["hidden"] % 2
           else "experts must be a positive multiple of the rank count"
           if cfg["experts"] < world or cfg["experts"] % world
           else "routing must be random, hot or sparse" if cfg["routing"] not in ROUTINGS
           else "top_k must be in [1, the experts routing may choose]" if not 1 <= cfg["top_k"] <= choices
           else "iters must be >= 1" if cfg["iters"] < 1
           else "device must be cuda or cpu" if cfg["device"] not in ("", "cuda", "cpu")
           else None)
    if bad:
        raise ValueError(f"{bad} (tokens={cfg['tokens']} hidden={cfg['hidden']} top_k={cfg['top_k']} "
                         f"experts={cfg['experts']})")
    return cfg


def main(argv):
    try:
        import torch
        import torch.distributed as dist
    except ImportError as e:
        print(f"moe_torch: PyTorch is not installed ({e}): skipped", flush=True)
        return 77

    launched = "RANK" in os.environ and "WORLD_SIZE" in os.environ
    rank = int(os.environ.get("RANK", 0)) if launched else 0
    world = int(os.environ.get("WORLD_SIZE", 1)) if launched else 1
    try:
        cfg = parse(argv, world)
    except ValueError as e:
        if rank == 0:
            print(f"moe_torch: {e}\n{USAGE}", file=sys.stderr)
        return 2

    use_cuda = cfg["device"] == "cuda" or (cfg["device"] == "" and torch.cuda.is_available())
    if use_cuda and not torch.cuda.is_available():
        print("moe_torch: device=cuda but torch sees no CUDA device", file=sys.stderr)
        return 1
    if use_cuda:
        local = int(os.environ.get("LOCAL_RANK", rank))
        device = torch.device("cuda", local % torch.cuda.device_count())
        torch.cuda.set_device(device)
        backend = "nccl"
    else:
        device, backend = torch.device("cpu"), "gloo"

    store_dir = None
    if launched:
        init = "env://"
    else:  # one rank and no launcher: a file store nobody else uses
        store_dir = tempfile.mkdtemp(prefix="moe_torch.")
        init = "file://" + os.path.join(store_dir, "store")
    dist.init_process_group(backend, init_method=init, rank=rank, world_size=world)
    try:
        return run(torch, dist, cfg, rank, world, device, backend)
    finally:
        dist.destroy_process_group()
        if store_dir:
            for name in os.listdir(store_dir):
                os.unlink(os.path.join(store_dir, name))
            os.rmdir(store_dir)


def run(torch, dist, cfg, rank, world, device, backend):
    T, H, K, E = cfg["tokens"], cfg["hidden"], cfg["top_k"], cfg["experts"]
    per = E // world
    bf16, f32 = torch.bfloat16, torch.float32

    # The routing is fixed (as in moe_cuda); weights in fp32, normalised per token.
    routes = [route(cfg, rank, t) for t in range(T)]
    topk = torch.tensor([r[0] for r in routes], dtype=torch.int64).reshape(T, K)
    weights = torch.tensor([r[1] for r in routes], dtype=f32).reshape(T, K)
    weights = weights / weights.sum(dim=1, keepdim=True)
    t_ = torch.arange(T).reshape(T, 1)
    h_ = torch.arange(H).reshape(1, H)
    x = (((rank * 131 + t_ * 31 + h_ * 7) % 97).to(f32) / 97.0 - 0.5).to(bf16)  # moe_token_value
    topk, weights, x = topk.to(device), weights.to(device), x.to(device)
    flat_expert = topk.reshape(-1)
    flat_weight = weights.reshape(-1)

    def expert_fn(rows, expert):
        # moe_expert in fp32, a multiply then an add (moe_cuda keeps them unfused), rounded to bf16.
        e = expert.to(f32).unsqueeze(1)
        return (rows.to(f32) * (1.0 + e / 16.0) + e * 0.01).to(bf16)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    def dispatch():
        order = torch.argsort(flat_expert, stable=True)  # grouped by expert, so by destination rank
        token_of = torch.div(order, K, rounding_mode="floor")
        send_rows = x.index_select(0, token_of)
        send_counts = torch.bincount(flat_expert, minlength=E)  # per expert
        recv_counts = torch.empty_like(send_counts)  # [source][my experts]
        dist.all_to_all_single(recv_counts, send_counts)
        splits_in = send_counts.reshape(world, per).sum(dim=1).tolist()  # waits for the counts
        splits_out = recv_counts.reshape(world, per).sum(dim=1).tolist()
        recv_rows = torch.empty((sum(splits_out), H), dtype=bf16, device=device)
        dist.all_to_all_single(recv_rows, send_rows, splits_out, splits_in)
        return order, token_of, recv_counts, recv_rows, splits_in, splits_out

    def expert_step(recv_counts, recv_rows):
        # Rows come by source, and within a source by expert: each row's expert from the counts (the
        # row count given, so the device is not waited for again).
        mine = torch.arange(rank * per, (rank + 1) * per, device=device).repeat(world)
        expert = torch.repeat_interleave(mine, recv_counts.reshape(-1), output_size=recv_rows.shape[0])
        return expert_fn(recv_rows, expert)

    def combine(order, token_of, out, splits_in, splits_out):
        back = torch.empty((sum(splits_in), H), dtype=bf16, device=device)
        dist.all_to_all_single(back, out, splits_in, splits_out)
        y = torch.zeros((T, H), dtype=f32, device=device)
        return y.index_add_(0, token_of, back.to(f32) * flat_weight.index_select(0, order).unsqueeze(1))

    stamp = torch.zeros(1, device=device)

    def line_up():  # every rank starts the iteration together
        dist.all_reduce(stamp)
        sync()

    warmup = 2
    times = []  # [iteration][dispatch, expert, combine, total] in us
    for i in range(-warmup, cfg["iters"]):
        line_up()
        t0 = time.perf_counter()
        order, token_of, recv_counts, recv_rows, splits_in, splits_out = dispatch()
        sync()
        t1 = time.perf_counter()
        out = expert_step(recv_counts, recv_rows)
        sync()
        t2 = time.perf_counter()
        y = combine(order, token_of, out, splits_in, splits_out)
        sync()
        t3 = time.perf_counter()
        if i >= 0:
            times.append([(t1 - t0) * 1e6, (t2 - t1) * 1e6, (t3 - t2) * 1e6, (t3 - t0) * 1e6])

    # The slowest rank's time, per iteration and phase.
    slowest = torch.tensor(times, dtype=torch.float64, device=device)
    dist.all_reduce(slowest, op=dist.ReduceOp.MAX)
    medians = [statistics.median(column) for column in zip(*slowest.cpu().tolist())]

    # Checks: rows from every source (its routing recomputed here), and y against the same experts and
    # sums done locally.
    failure = ""
    got = recv_counts.reshape(world, per).sum(dim=1).cpu().tolist()
    for src in range(world):
        expect = sum(e // per == rank for t in range(T) for e in route(cfg, src, t)[0])
        if got[src] != expect:
            failure = f"rows received from rank {src}: got {got[src]}, expected {expect}"
            break
    if not failure and T:
        terms = expert_fn(x.repeat_interleave(K, dim=0), flat_expert).to(f32) * flat_weight.unsqueeze(1)
        token = torch.arange(T, device=device).repeat_interleave(K)
        ref = torch.zeros((T, H), dtype=f32, device=device).index_add_(0, token, terms)
        scale = torch.zeros((T, H), dtype=f32, device=device).index_add_(0, token, terms.abs())
        bad = ~((y - ref).abs() <= 5e-3 * scale + 1e-6)  # NaN fails too
        if bool(bad.any()):
            t, h = (int(v) for v in bad.nonzero()[0])
            failure = f"y (token {t}, h {h}): got {float(y[t, h]):.7g}, expected {float(ref[t, h]):.7g}"
    if failure:
        print(f"moe_torch: rank {rank}: MISMATCH {failure}", file=sys.stderr, flush=True)
    failed = torch.tensor([1.0 if failure else 0.0], device=device)
    dist.all_reduce(failed, op=dist.ReduceOp.MAX)
    if float(failed) != 0.0:
        return 1

    if rank == 0:
        where = str(device) + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else "")
        dispatch_us, expert_us, combine_us, total_us = medians
        print(f"moe_torch: tokens={T} hidden={H} top_k={K} experts={E} routing={cfg['routing']} ranks={world} "
              f"{where} {backend}, torch {torch.__version__}: dispatch {dispatch_us:.1f} us, expert "
              f"{expert_us:.1f} us, combine {combine_us:.1f} us, total {total_us:.1f} us (median of "
              f"{cfg['iters']}, slowest rank)", flush=True)
        row = {"bench": "moe_torch", "tokens": T, "hidden": H, "top_k": K, "experts": E,
               "routing": cfg["routing"], "seed": cfg["seed"], "ranks": world, "device": where,
               "backend": backend, "torch": torch.__version__, "iters": cfg["iters"],
               "dispatch_us": round(dispatch_us, 2), "expert_us": round(expert_us, 2),
               "combine_us": round(combine_us, 2), "total_us": round(total_us, 2)}
        print(json.dumps(row), flush=True)
        if cfg["json"]:
            with open(cfg["json"], "w") as f:
                f.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
