"""Training-lab throughput on CPU, and our torch tensor product against e3nn's, in the same run.

    OMP_NUM_THREADS=1 python bench/bench_training.py [--quick] [--threads 1] [--device cpu]

Table 1: samples per second (forward + backward + the lab's fused Adam step, batch 64, cached features,
float32) of the models of the lab: the irreps network (gate, L = 2 and 3; norm, depth 4), the
power-spectrum MLP and the unconstrained transformer.
Table 2: ``FullyConnectedTensorProductTorch`` (ours: every path at once -- one matmul against a fused
Clebsch-Gordan coupling matrix built from ``equi_core``, one batched matmul, one matmul per output
block against the stacked path weights; no Python loop over paths) against
``e3nn.o3.FullyConnectedTensorProduct`` on identical irreps and identical weights (outputs checked
equal), forward + backward, batch 256. Ratio = e3nn time / ours (> 1: ours faster).
Both tables record the torch version, threads and the load average: on a shared machine the absolute
numbers move with the load, the ratios much less (both sides are measured alternately in one run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

# One thread for torch: set before it is imported (hence the E402 imports below).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch

from equi_core.training.data import TargetSpec, make_dataset
from equi_core.training.layers import FullyConnectedTensorProductTorch
from equi_core.training.models import CartesianTransformer, IrrepsNet, PowerSpectrumModel
from equi_core.training.train import make_adam


def _median_time(fn, repeat: int, number: int) -> float:
    rounds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - t0) / number)
    return statistics.median(rounds)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def model_throughput(device: torch.device, quick: bool) -> list[tuple[str, float, int]]:
    batch = 64
    data = make_dataset(batch, TargetSpec(), seed=0).to(device)
    models = {
        "irreps net, gate, L=2, 16 ch, depth 2": IrrepsNet(lmax=2, channels=16, depth=2),
        "irreps net, gate, L=3, 16 ch, depth 2": IrrepsNet(lmax=3, channels=16, depth=2),
        "irreps net, norm, L=2, 32 ch, depth 4": IrrepsNet(lmax=2, channels=32, depth=4, nonlinearity="norm"),
        "power spectrum (L=4) + MLP": PowerSpectrumModel(lmax=4),
        "unconstrained transformer (width 64)": CartesianTransformer(width=64),
    }
    out = []
    for name, model in models.items():
        model = model.to(device)
        feats = model.featurize(data.pos)
        model.fit_input_normalization(*feats)
        opt = make_adam(model.parameters(), lr=1e-3)  # the training loop's optimizer (fused Adam)

        def step() -> None:
            loss = model.from_features(*feats).pow(2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            _sync(device)

        for _ in range(5):
            step()
        t = _median_time(step, repeat=3 if quick else 7, number=5 if quick else 20)
        out.append((name, batch / t, sum(p.numel() for p in model.parameters())))
    return out


def tp_comparison(device: torch.device, quick: bool) -> list[tuple[str, float, float, float]]:
    from e3nn import o3

    cases = [
        ("8x0e+8x1o+8x2e", "0e+1o+2e", "8x0e+8x1o+8x2e"),
        ("16x0e+16x1o+16x2e", "0e+1o+2e", "16x0e+16x1o+16x2e"),
        ("16x0e+16x1o+16x2e+16x3o", "0e+1o+2e+3o", "16x0e+16x1o+16x2e+16x3o"),
        ("32x0e+32x1o", "4x0e+4x1o", "32x0e+32x1o+32x1e"),
    ]
    if quick:
        cases = cases[:2]
    batch = 256
    rows = []
    for i1, i2, io in cases:
        ours = FullyConnectedTensorProductTorch(i1, i2, io).to(device)
        ref = o3.FullyConnectedTensorProduct(i1, i2, io).to(device)
        with torch.no_grad():
            ref.weight.copy_(ours.weight)
        x1 = torch.randn(batch, ours.irreps1.dim, device=device, requires_grad=True)
        x2 = torch.randn(batch, ours.irreps2.dim, device=device, requires_grad=True)
        with torch.no_grad():
            err = float((ours(x1, x2) - ref(x1, x2)).abs().max())
        if err > 1e-3:
            raise AssertionError(f"outputs differ by {err} on {i1} x {i2} -> {io}")

        def run(mod):
            def f() -> None:
                mod(x1, x2).pow(2).sum().backward()
                _sync(device)

            return f

        f_ours, f_ref = run(ours), run(ref)
        for _ in range(3):
            f_ours()
            f_ref()
        t_ours, t_ref = [], []
        for _ in range(3 if quick else 7):  # alternate so both see the same load
            t_ours.append(_median_time(f_ours, 1, 5 if quick else 20))
            t_ref.append(_median_time(f_ref, 1, 5 if quick else 20))
        a, b = statistics.median(t_ours), statistics.median(t_ref)
        rows.append((f"{i1} ⊗ {i2} → {io}", a * 1e3, b * 1e3, b / a))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    load = [round(x, 2) for x in os.getloadavg()]
    print(
        f"torch {torch.__version__}, device {device}, {torch.get_num_threads()} thread(s), "
        f"{os.cpu_count()} cores, load average at start {load}\n"
    )
    print("| model (batch 64, fwd+bwd+Adam, cached features) | samples/s | parameters |")
    print("|---|---:|---:|")
    for name, sps, n in model_throughput(device, args.quick):
        print(f"| {name} | {sps:,.0f} | {n:,} |")
    print()
    print("| FullyConnectedTensorProduct, batch 256, fwd+bwd | ours (ms) | e3nn (ms) | e3nn / ours |")
    print("|---|---:|---:|---:|")
    for name, a, b, ratio in tp_comparison(device, args.quick):
        print(f"| {name} | {a:.2f} | {b:.2f} | {ratio:.2f} |")
    print(f"\nload average at end {[round(x, 2) for x in os.getloadavg()]}")


if __name__ == "__main__":
    main()
