"""What the Tetris page shows: 8 pieces, their point groups, Curie's principle, chirality, and a training job.

* :data:`PIECES` -- e3nn's ``examples/tetris.py`` shapes (4 unit cubes each; one chiral pair) and :data:`LABELS`
  (e3nn's targets: a pseudoscalar ``+1 / -1`` for the chiral pair, a one-hot over six scalars for the rest).
* :func:`piece_symmetries` / :func:`allowed_output_table` -- each piece's point group (proper *and* improper
  elements, :func:`equi_core.o3.point_groups.point_group`) and, per output irrep, the dimension of the subspace
  the group leaves fixed (trace of the projector ``mean_g D(g)``): zero means no equivariant model can output it.
* :func:`curie_check` -- a random float64 equivariant network's outputs per piece and their distance from the
  fixed subspace (~1e-16): symmetry in, symmetry out.
* :func:`chirality_demo` -- an O(3)-invariant ``0e``-only model cannot tell the chiral pair apart; a ``0o`` output
  does; a mirror maps one onto the other and no rotation does.
* :func:`train_job` -- the live job (protocol of :mod:`equi_core.progress`): the equivariant network vs an MLP on
  coordinates, without and with rotation augmentation, each tested on many random rotations, 3 seeds.
* :func:`piece_mesh` -- the cubes of a piece as a triangle mesh, turned by a seeded random rotation (for the figure).
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from equi_core import Irreps, random_rotation
from equi_core.lessons.classroom import Quiz
from equi_core.o3.point_groups import (
    PointGroup,
    congruences,
    fixed_dimensions,
    irrep_list,
    point_group,
    projector,
)

__all__ = [
    "PIECES",
    "PIECE_NAMES",
    "CHIRAL_PAIR",
    "LABELS",
    "OUTPUT_IRREPS",
    "CURIE_IRREPS",
    "Piece",
    "PieceSymmetry",
    "AllowedTable",
    "CurieRow",
    "ChiralityDemo",
    "piece_points",
    "piece_symmetries",
    "allowed_output_table",
    "curie_check",
    "chirality_demo",
    "piece_mesh",
    "default_train_config",
    "validate_train_config",
    "train_job",
    "summarize",
    "load_shipped",
    "SHIPPED_PATH",
    "SHIPPED_RUNS",
    "quizzes",
]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Piece:
    """One tetromino: ``points`` are the centres of its 4 unit cubes (integer grid, e3nn's coordinates)."""

    name: str
    points: tuple[tuple[int, int, int], ...]
    chiral: bool


#: e3nn's ``examples/tetris.py`` pieces, in its order (its labels below).
PIECES: tuple[Piece, ...] = (
    Piece("chiral 1", ((0, 0, 0), (0, 0, 1), (1, 0, 0), (1, 1, 0)), True),
    Piece("chiral 2", ((0, 0, 0), (0, 0, 1), (1, 0, 0), (1, -1, 0)), True),
    Piece("square", ((0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0)), False),
    Piece("line", ((0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 0, 3)), False),
    Piece("corner", ((0, 0, 0), (0, 0, 1), (0, 1, 0), (1, 0, 0)), False),
    Piece("L", ((0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 1, 0)), False),
    Piece("T", ((0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 1, 1)), False),
    Piece("zigzag", ((0, 0, 0), (1, 0, 0), (1, 1, 0), (2, 1, 0)), False),
)
PIECE_NAMES: tuple[str, ...] = tuple(p.name for p in PIECES)
CHIRAL_PAIR: tuple[str, str] = ("chiral 1", "chiral 2")
#: e3nn's targets for output ``0o + 6x0e``: column 0 the pseudoscalar (+1 / -1 for the chiral pair).
LABELS: Array = np.array(
    [[+1, 0, 0, 0, 0, 0, 0], [-1, 0, 0, 0, 0, 0, 0]] + [[0] * (k + 1) + [1] + [0] * (5 - k) for k in range(6)],
    dtype=np.float64,
)
OUTPUT_IRREPS = "0o + 6x0e"
#: Output irreps of the random network used for the Curie check (every parity, degrees 0..2).
CURIE_IRREPS = "0e + 0o + 1o + 1e + 2e + 2o"
#: The piece e3nn leaves out of training (the mirror of "chiral 2"): a 0o output gets it right for free.
HELD_OUT = "chiral 1"


def _index(name: str) -> int:
    if name not in PIECE_NAMES:
        raise ValueError(f"piece must be one of {list(PIECE_NAMES)}, got {name!r}")
    return PIECE_NAMES.index(name)


def piece_points(name: str | None = None, centre: bool = True) -> Array:
    """Cube centres of one piece ``(4, 3)`` (or all pieces ``(8, 4, 3)``), centred at the centroid by default."""
    names = PIECE_NAMES if name is None else (PIECE_NAMES[_index(name)],)
    X = np.array([PIECES[_index(n)].points for n in names], dtype=np.float64)
    if centre:
        X = X - X.mean(axis=1, keepdims=True)
    return X if name is None else X[0]


# ------------------------------------------------------------------------------------------------ symmetry
@dataclass(frozen=True)
class PieceSymmetry:
    """A piece's point group and the fixed-subspace dimension of each output irrep."""

    name: str
    group: str
    order: int
    n_improper: int
    chiral: bool
    infinite: bool
    fixed: dict[str, int]

    @property
    def forbidden(self) -> list[str]:
        """Irreps with a zero fixed subspace: every equivariant model outputs exactly 0 there for this piece."""
        return [k for k, v in self.fixed.items() if v == 0]


@lru_cache(maxsize=16)
def _group(name: str) -> PointGroup:
    """The piece's point group (computed once per process; a frozen value, never mutated)."""
    return point_group(piece_points(name))


def piece_symmetries(lmax: int = 2) -> list[PieceSymmetry]:
    """Point group (Schoenflies name, order, improper count) and fixed dimensions ``0e, 0o, 1o, 1e, ...`` per piece.

    For the line (``D∞h``) the order is that of its finite stand-in ``D_24h`` (exact for ``l <= 23``).

    >>> [s.group for s in piece_symmetries(0)]
    ['C2', 'C2', 'D4h', 'D∞h', 'C3v', 'Cs', 'C2v', 'C2h']
    """
    if not isinstance(lmax, int) or not 0 <= lmax <= 4:
        raise ValueError(f"lmax must be an integer in 0..4, got {lmax!r}")
    out = []
    for p in PIECES:
        G = _group(p.name)
        out.append(
            PieceSymmetry(p.name, G.name, G.order, G.n_improper, G.is_chiral, G.infinite, fixed_dimensions(G, lmax))
        )
    return out


@dataclass(frozen=True)
class AllowedTable:
    """``dims[i, j]`` = dimension of the fixed subspace of irrep ``irreps[j]`` for piece ``pieces[i]``."""

    pieces: tuple[str, ...]
    groups: tuple[str, ...]
    irreps: tuple[str, ...]
    dims: NDArray[np.int64]
    irrep_dims: tuple[int, ...]

    def columns(self) -> dict[str, list[Any]]:
        """The table as CSV-ready columns."""
        cols: dict[str, list[Any]] = {"piece": list(self.pieces), "point group": list(self.groups)}
        for j, ir in enumerate(self.irreps):
            cols[ir] = [int(v) for v in self.dims[:, j]]
        return cols


def allowed_output_table(lmax: int = 2) -> AllowedTable:
    """Fixed-subspace dimensions for every piece and irrep up to ``lmax`` (0 = that output is impossible).

    >>> t = allowed_output_table(0)
    >>> t.irreps, [int(d) for d in t.dims[:, 1]]   # a pseudoscalar only for the chiral pair
    (('0e', '0o'), [1, 1, 0, 0, 0, 0, 0, 0])
    """
    sym = piece_symmetries(lmax)
    irs = irrep_list(lmax)
    dims = np.array([[s.fixed[str(ir)] for ir in irs] for s in sym], dtype=np.int64)
    return AllowedTable(
        tuple(s.name for s in sym),
        tuple(s.group for s in sym),
        tuple(str(i) for i in irs),
        dims,
        tuple(ir.dim for ir in irs),
    )


# ------------------------------------------------------------------------------------------------ Curie
@dataclass(frozen=True)
class CurieRow:
    """One piece: the network output per irrep block, its norm, and its distance from the fixed subspace."""

    name: str
    group: str
    irreps: tuple[str, ...]
    output: tuple[tuple[float, ...], ...]
    norms: tuple[float, ...]
    residuals: tuple[float, ...]
    fixed: tuple[int, ...]

    @property
    def max_residual(self) -> float:
        """``max_blocks |y - P y|``: ~1e-16 in float64 for every equivariant model."""
        return max(self.residuals)


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run a tiny float64 forward on one torch thread (several threads on a busy 2-core server are ~10x slower
    for these 8-piece batches); the previous thread count is restored."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


def _torch_model(seed: int, irreps_out: str) -> Any:
    import torch

    from equi_core.training.tetris import make_model

    return make_model("equivariant", torch.Generator().manual_seed(int(seed)), torch.float64, irreps_out=irreps_out)


def curie_check(seed: int = 0, irreps_out: str = CURIE_IRREPS, model: Any = None) -> list[CurieRow]:
    """Outputs of a float64 equivariant :class:`~equi_core.training.tetris.TetrisNetwork` (random, seeded, or the
    given ``model``) for each piece, split by output irrep, with ``|y - P y|`` per block (``P`` the piece's
    projector). Guarantee: every residual is rounding (< 1e-12); blocks with ``P = 0`` are themselves ~0.
    """
    import torch

    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    irreps = Irreps(irreps_out)
    net = _torch_model(seed, irreps_out) if model is None else model.double()
    X = piece_points()
    with torch.no_grad(), _one_thread():
        Y = net(torch.as_tensor(X)).numpy()
    rows = []
    for p, y in zip(PIECES, Y):
        G = _group(p.name)
        names, outs, norms, res, fixed = [], [], [], [], []
        P_all = projector(irreps, G)  # block diagonal: D(g) is, for every g
        for (mul, ir), sl in zip(irreps, irreps.slices()):
            block = Irreps([(mul, ir)])
            P = P_all[sl, sl]
            yb = y[sl]
            names.append(str(block))
            outs.append(tuple(float(v) for v in yb))
            norms.append(float(np.linalg.norm(yb)))
            res.append(float(np.linalg.norm(yb - P @ yb)))
            fixed.append(round(float(np.trace(P))))
        rows.append(CurieRow(p.name, G.name, tuple(names), tuple(outs), tuple(norms), tuple(res), tuple(fixed)))
    return rows


def fixed_direction(name: str, irrep: str = "1o") -> Array:
    """Orthonormal basis ``(k, dim)`` of the fixed subspace (eigenvectors of ``P`` with eigenvalue 1).

    >>> np.round(np.abs(fixed_direction("corner")), 6)   # the corner's only vector: its 3-fold axis
    array([[0.57735, 0.57735, 0.57735]])
    """
    P = projector(irrep, _group(name))
    w, v = np.linalg.eigh(P)
    return v[:, w > 0.5].T


# ------------------------------------------------------------------------------------------------ chirality
@dataclass(frozen=True)
class ChiralityDemo:
    """The chiral pair under an O(3)-invariant model and a ``0o`` output.

    Attributes
    ----------
    mirror
        The reflection ``y -> -y`` that maps "chiral 1" onto "chiral 2" (as sets).
    n_proper_maps, n_improper_maps
        Orthogonal maps of "chiral 1" onto "chiral 2": proper ones (rotations) and improper ones.
    invariant_outputs
        ``(2, k)`` outputs of a random ``k x 0e`` model for the pair ("chiral 2" randomly rotated).
    invariant_difference
        Their max difference: rounding (the model cannot tell them apart).
    pseudo_outputs
        The ``0o`` output of a random ``0o + 6x0e`` model for the pair: equal and opposite, not zero.
    scalar_difference
        The ``6x0e`` part of that model: identical for the pair.
    """

    mirror: tuple[tuple[float, ...], ...]
    n_proper_maps: int
    n_improper_maps: int
    invariant_outputs: tuple[tuple[float, ...], ...]
    invariant_difference: float
    pseudo_outputs: tuple[float, float]
    pseudo_sum: float
    scalar_difference: float


def chirality_demo(seed: int = 0) -> ChiralityDemo:
    """Chirality in numbers: a mirror maps one chiral piece onto the other, no rotation does; an invariant model
    gives both the same outputs (~1e-16), a pseudoscalar output gives them opposite signs.

    >>> d = chirality_demo(0)
    >>> d.n_proper_maps, d.n_improper_maps, d.invariant_difference < 1e-12, abs(d.pseudo_outputs[0]) > 1e-3
    (0, 2, True, True)
    """
    import torch

    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    A, B = piece_points("chiral 1"), piece_points("chiral 2")
    mirror = np.diag([1.0, -1.0, 1.0])
    maps = congruences(A, B)
    dets = [float(np.linalg.det(g)) for g in maps]
    R = random_rotation(rng=np.random.default_rng([seed, 1]))
    pair = torch.as_tensor(np.stack([A, B @ R.T]))
    with torch.no_grad(), _one_thread():
        inv = _torch_model(seed, "7x0e")(pair).numpy()
        pseudo = _torch_model(seed, OUTPUT_IRREPS)(pair).numpy()
    return ChiralityDemo(
        mirror=tuple(tuple(float(v) for v in row) for row in mirror),
        n_proper_maps=sum(d > 0 for d in dets),
        n_improper_maps=sum(d < 0 for d in dets),
        invariant_outputs=tuple(tuple(float(v) for v in row) for row in inv),
        invariant_difference=float(np.abs(inv[0] - inv[1]).max()),
        pseudo_outputs=(float(pseudo[0, 0]), float(pseudo[1, 0])),
        pseudo_sum=float(abs(pseudo[0, 0] + pseudo[1, 0])),
        scalar_difference=float(np.abs(pseudo[0, 1:] - pseudo[1, 1:]).max()),
    )


def mirror_maps_pair() -> bool:
    """True when ``y -> -y`` maps "chiral 1" exactly onto "chiral 2" (as sets of cube centres)."""
    A = piece_points("chiral 1") @ np.diag([1.0, -1.0, 1.0])
    B = piece_points("chiral 2")
    return bool(np.abs(np.sort(A, axis=0) - np.sort(B, axis=0)).max() < 1e-12) and bool(
        all(np.abs(B - a).sum(axis=1).min() < 1e-12 for a in A)
    )


# ------------------------------------------------------------------------------------------------ figure data
_CUBE = np.array([[x, y, z] for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)])
_FACES = np.array(
    [
        [0, 1, 3],
        [0, 3, 2],
        [4, 6, 7],
        [4, 7, 5],
        [0, 4, 5],
        [0, 5, 1],
        [2, 3, 7],
        [2, 7, 6],
        [0, 2, 6],
        [0, 6, 4],
        [1, 5, 7],
        [1, 7, 3],
    ]
)


def piece_mesh(name: str, rotation_seed: int | None = None, scale: float = 0.92) -> dict[str, Array]:
    """Triangle mesh of a piece's cubes (side ``scale``), centred, turned by ``random_rotation(rng=seed)``
    (no turn for ``None``). Keys: ``vertices`` (8 per cube), ``faces`` (12 triangles per cube), ``centres``."""
    if rotation_seed is not None and (not isinstance(rotation_seed, int) or rotation_seed < 0):
        raise ValueError(f"rotation_seed must be a non-negative integer or None, got {rotation_seed!r}")
    X = piece_points(name)
    R = np.eye(3) if rotation_seed is None else random_rotation(rng=rotation_seed)
    verts = np.concatenate([(c + scale * _CUBE) @ R.T for c in X])
    faces = np.concatenate([_FACES + 8 * k for k in range(len(X))])
    return {"vertices": verts, "faces": faces.astype(np.float64), "centres": X @ R.T}


# ------------------------------------------------------------------------------------------------ training job
SHIPPED_PATH = Path(__file__).resolve().parents[1] / "training" / "results" / "tetris.json"
#: The shipped full runs the page offers: e3nn's protocol ("chiral 1" never trained) and all 8 pieces trained.
SHIPPED_RUNS: dict[str, Path] = {
    "shipped: chiral 1 held out (e3nn)": SHIPPED_PATH,
    "shipped: all 8 pieces trained": SHIPPED_PATH.with_name("tetris-all-pieces.json"),
}


def default_train_config(full: bool = False) -> dict[str, Any]:
    """The live default (a few seconds on 2 CPU cores) or the ``full`` run shipped in ``results/tetris.json``."""
    cfg: dict[str, Any] = {
        "seeds": [0, 1, 2],
        "copies": [0, 16, 128],
        "eq_steps": 150,
        "eq_lrs": [0.05],
        "mlp_steps": 300,
        "mlp_lrs": [0.01],
        "mlp_hidden": 64,
        "mlp_batch": 256,
        "n_test_rotations": 64,
        "n_val_rotations": 32,
        "test_seed": 12345,
        "hold_out_mirror": True,
    }
    if full:
        cfg.update(
            copies=[0, 2, 8, 32, 128, 512],
            eq_steps=300,
            eq_lrs=[0.01, 0.03, 0.05, 0.1],
            mlp_steps=2000,
            mlp_lrs=[0.001, 0.003, 0.01, 0.03],
            n_test_rotations=512,
            n_val_rotations=64,
        )
    return cfg


_LIMITS = {
    "eq_steps": (10, 5000),
    "mlp_steps": (10, 20000),
    "mlp_hidden": (4, 512),
    "mlp_batch": (8, 8192),
    "n_test_rotations": (1, 4096),
    "n_val_rotations": (1, 1024),
    "test_seed": (0, 2**31 - 1),
}


def validate_train_config(config: dict[str, Any]) -> dict[str, Any]:
    """A complete, checked copy of ``config`` (missing keys from :func:`default_train_config`).

    Raises
    ------
    ValueError
        Unknown keys, non-integers, values outside their ranges, empty seed/copy/LR lists, more than 8 seeds.
    """
    if not isinstance(config, dict):
        raise ValueError("config must be a dict")
    cfg = default_train_config()
    unknown = set(config) - set(cfg)
    if unknown:
        raise ValueError(f"unknown config keys {sorted(unknown)}; allowed: {sorted(cfg)}")
    cfg.update(config)
    for key, (lo, hi) in _LIMITS.items():
        v = cfg[key]
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ValueError(f"{key} must be an integer in {lo}..{hi}, got {v!r}")
    for key, lo, hi in (("seeds", 0, 10**6), ("copies", 0, 4096)):
        v = cfg[key]
        if (
            not isinstance(v, list)
            or not 1 <= len(v) <= 8
            or any(isinstance(x, bool) or not isinstance(x, int) or not lo <= x <= hi for x in v)
        ):
            raise ValueError(f"{key} must be a list of 1..8 integers in {lo}..{hi}, got {v!r}")
        cfg[key] = sorted(set(v))
    for key in ("eq_lrs", "mlp_lrs"):
        v = cfg[key]
        if (
            not isinstance(v, list)
            or not 1 <= len(v) <= 4
            or any(isinstance(x, bool) or not isinstance(x, (int, float)) or not 1e-5 <= x <= 1.0 for x in v)
        ):
            raise ValueError(f"{key} must be a list of 1..4 learning rates in [1e-5, 1], got {v!r}")
        cfg[key] = [float(x) for x in v]
    if not isinstance(cfg["hold_out_mirror"], bool):
        raise ValueError("hold_out_mirror must be true or false")
    return cfg


def _rotated(X: Array, n: int, rng: np.random.Generator) -> Array:
    R = random_rotation(n, rng=rng)
    return np.einsum("rij,paj->rpai", R, X).reshape(-1, X.shape[1], 3)


def _scaled(check: Callable[[float], None], k: int, n: int) -> Callable[[float], None]:
    """``check`` for the ``k``-th of ``n`` sub-runs: its fraction mapped into ``[k/n, (k+1)/n]``."""

    def inner(f: float) -> None:
        check((k + f) / n)

    return inner


def _run_point(kind: str, copies: int, seed: int, cfg: dict[str, Any], check: Any) -> dict[str, Any]:
    import torch

    from equi_core.training.tetris import accuracy, correct, fit, make_model, predict

    t0, c0 = time.perf_counter(), time.thread_time()
    X = piece_points()
    train_idx = [i for i, n in enumerate(PIECE_NAMES) if not (cfg["hold_out_mirror"] and n == HELD_OUT)]
    Xtr, Ytr = X[train_idx], LABELS[train_idx]
    rng = np.random.default_rng([seed, copies, 7])
    if kind == "mlp" and copies:
        Xtr = np.concatenate([Xtr, _rotated(Xtr, copies, rng)])
        Ytr = np.concatenate([Ytr, np.tile(LABELS[train_idx], (copies, 1))])
    n_val, n_test = cfg["n_val_rotations"], cfg["n_test_rotations"]
    Xval = _rotated(X[train_idx], n_val, np.random.default_rng([cfg["test_seed"], 1]))
    Yval = np.tile(LABELS[train_idx], (n_val, 1))
    Xte = _rotated(X, n_test, np.random.default_rng([cfg["test_seed"], 2]))
    Yte = np.tile(LABELS, (n_test, 1))
    f32 = torch.float32

    def tt(a: Array) -> torch.Tensor:
        return torch.as_tensor(a, dtype=f32)

    lrs = cfg["eq_lrs"] if kind == "equivariant" else cfg["mlp_lrs"]
    scan, best = [], None
    for k, lr in enumerate(lrs):
        gen = torch.Generator().manual_seed(int(seed))
        hyper = {} if kind == "equivariant" else {"hidden": cfg["mlp_hidden"]}
        model = make_model(kind, gen, f32, **hyper)
        steps = cfg["eq_steps"] if kind == "equivariant" else cfg["mlp_steps"]
        batch = None if kind == "equivariant" else cfg["mlp_batch"]
        stats = fit(
            model,
            tt(Xtr),
            tt(Ytr),
            steps,
            lr,
            check=_scaled(check, k, len(lrs)),
            batch=batch,
            generator=gen,
        )
        pv = predict(model, tt(Xval))
        val_acc = float(correct(pv, tt(Yval)).double().mean())
        val_loss = float((pv - tt(Yval)).pow(2).mean())
        scan.append({"lr": lr, "val_accuracy": val_acc, "val_loss": val_loss, **stats})
        if best is None or (val_acc, -val_loss) > (best[1]["val_accuracy"], -best[1]["val_loss"]):
            best = (model, scan[-1])
    assert best is not None
    model, chosen = best
    per_piece = correct(predict(model, tt(Xte)), tt(Yte)).double().view(n_test, len(PIECES)).mean(dim=0)
    seen = [i for i in range(len(PIECES)) if i in train_idx]
    row: dict[str, Any] = {
        "model": kind,
        "copies": copies,
        "seed": seed,
        "lr": chosen["lr"],
        "steps": chosen["steps"],
        "n_train": len(Xtr),
        "train_loss": chosen["train_loss"],
        "train_accuracy": chosen["train_accuracy"],
        "val_accuracy": chosen["val_accuracy"],
        "val_loss": chosen["val_loss"],
        "test_accuracy": accuracy(model, tt(Xte), tt(Yte)),
        "test_accuracy_trained_pieces": float(per_piece[seen].mean()),
        "per_piece_accuracy": [float(v) for v in per_piece],
        "underfit": chosen["train_accuracy"] < 1.0,
        "lr_scan": scan,
    }
    if kind == "equivariant":  # Curie on the trained model, in float64: the pseudoscalar of an achiral piece is 0
        m64 = model.double()
        with torch.no_grad():
            out = m64(torch.as_tensor(X)).numpy()
        achiral = [i for i, p in enumerate(PIECES) if not p.chiral]
        row["achiral_pseudoscalar_max"] = float(np.abs(out[achiral, 0]).max())
        row["chiral_pseudoscalars"] = [float(out[0, 0]), float(out[1, 0])]
    row["wall_time_s"] = time.perf_counter() - t0
    row["cpu_time_s"] = time.thread_time() - c0
    return row


def summarize(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean, standard deviation (ddof 0), min and max over seeds of the test accuracy, per (model, copies); also
    over the trained pieces, over the 7 pieces other than "chiral 1", and on "chiral 1" alone. The page derives
    every number it shows from the rows with this function (a stored ``summary`` is a convenience copy)."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["model"], r["copies"]), []).append(r)
    out = []
    for (model, copies), rs in groups.items():
        acc = np.array([r["test_accuracy"] for r in rs])
        seen = np.array([r["test_accuracy_trained_pieces"] for r in rs])
        other = np.array([np.mean(r["per_piece_accuracy"][1:]) for r in rs])  # all but "chiral 1"
        out.append(
            {
                "model": model,
                "copies": copies,
                "n_seeds": len(rs),
                "mean": float(acc.mean()),
                "std": float(acc.std()),
                "min": float(acc.min()),
                "max": float(acc.max()),
                "mean_trained_pieces": float(seen.mean()),
                "std_trained_pieces": float(seen.std()),
                "mean_other_pieces": float(other.mean()),
                "std_other_pieces": float(other.std()),
                "mirror_piece_mean": float(np.mean([r["per_piece_accuracy"][0] for r in rs])),
                "train_accuracy_min": float(min(r["train_accuracy"] for r in rs)),
                "underfit_seeds": int(sum(r["underfit"] for r in rs)),
            }
        )
    return out


def _result(
    cfg: dict[str, Any], rows: list[dict[str, Any]], complete: bool, t0: float, n_points: int
) -> dict[str, Any]:
    import torch

    return {
        "experiment": "tetris",
        "config": cfg,
        "rows": rows,
        "summary": summarize(rows),
        "complete": complete,
        "n_points": n_points,
        "wall_time_s": time.perf_counter() - t0,
        "cpu_time_s": float(sum(r["cpu_time_s"] for r in rows)),
        "torch_version": torch.__version__,
        "device": "cpu",
        "threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "pieces": list(PIECE_NAMES),
        "held_out": HELD_OUT if cfg["hold_out_mirror"] else None,
    }


def train_job(config: dict[str, Any], control: Any) -> dict[str, Any]:
    """The live job: train the equivariant network (one orientation per piece) and the coordinate MLP (with
    ``copies`` randomly rotated copies of each piece; 0 = no augmentation) for each seed; test all 8 pieces in
    ``n_test_rotations`` random orientations (the same for every model). Learning rate per point chosen on
    validation rotations of the training pieces. Publishes the result after every finished point.

    Determinism: every number depends on ``config`` only (``torch.Generator(seed)`` for weights and batches,
    ``numpy.random.default_rng`` keyed by seed / test_seed for rotations).
    """
    import torch

    cfg = validate_train_config(config)
    t0 = time.perf_counter()
    points = [("equivariant", 0, s) for s in cfg["seeds"]] + [
        ("mlp", k, s) for k in cfg["copies"] for s in cfg["seeds"]
    ]
    rows: list[dict[str, Any]] = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for i, (kind, copies, seed) in enumerate(points):
            label = f"{'equivariant net' if kind == 'equivariant' else f'MLP, {copies} copies'}, seed {seed}"
            control.scoped(i, len(points), f"{i + 1}/{len(points)} {label}")
            control.check(0.0, "", force=True)
            rows.append(_run_point(kind, copies, seed, cfg, lambda f: control.check(f)))
            control.publish(_result(cfg, list(rows), False, t0, len(points)))
        control.check(1.0, "done", force=True)
    finally:
        torch.set_num_threads(threads)
    return _result(cfg, rows, True, t0, len(points))


def load_shipped(path: str | Path | None = None) -> dict[str, Any] | None:
    """The shipped full run (``equi_core/training/results/tetris.json``), or None if missing."""
    p = Path(path) if path is not None else SHIPPED_PATH
    if not p.is_file():
        return None
    with open(p) as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def result_columns(result: dict[str, Any]) -> dict[str, list[Any]]:
    """Per-run rows as CSV columns (model, copies, seed, lr, train/val/test accuracies, underfit)."""
    keys = (
        "model",
        "copies",
        "seed",
        "lr",
        "steps",
        "n_train",
        "train_loss",
        "train_accuracy",
        "val_accuracy",
        "test_accuracy",
        "test_accuracy_trained_pieces",
        "underfit",
    )
    cols: dict[str, list[Any]] = {k: [r[k] for r in result["rows"]] for k in keys}
    for j, name in enumerate(PIECE_NAMES):
        cols[f"acc {name}"] = [r["per_piece_accuracy"][j] for r in result["rows"]]
    return cols


# ------------------------------------------------------------------------------------------------ quizzes
def quizzes() -> dict[str, Quiz]:
    """Questions whose answers the core computes (point groups and projectors)."""
    sym = {s.name: s for s in piece_symmetries(2)}
    can_pseudo = [n for n, s in sym.items() if s.fixed["0o"] > 0]
    pseudo_answer = " and ".join(can_pseudo)
    q_pseudo = Quiz(
        "An O(3)-equivariant model has a pseudoscalar (0o) output. For which pieces can it be non-zero?",
        (pseudo_answer, "all eight", "the square and the line", "none of them"),
        pseudo_answer,
        "A 0o output flips sign under every improper element g (mirror, inversion): f(gX) = -f(X). If gX = X, "
        f"f(X) = -f(X) = 0. Only {pseudo_answer} have no improper symmetry (point group "
        f"{sym[can_pseudo[0]].group}); the projector onto the fixed 0o subspace is 0 for the other six.",
    )
    order = sym["square"].order
    q_order = Quiz.with_distractors(
        "How many orthogonal maps (rotations and reflections) send the square piece onto itself?",
        order,
        [4, 8, 24, 48],
        f"The square's point group is {sym['square'].group}: 8 rotations (4-fold axis, four 2-fold axes) times the "
        f"inversion, {order} elements, {sym['square'].n_improper} of them improper. Found by `point_group`.",
    )
    n_l = sym["L"].fixed["1o"]
    q_vec = Quiz.with_distractors(
        "An equivariant model outputs a polar vector (1o) for the L piece. How many independent directions can it "
        "point in?",
        n_l,
        [0, 1, 3],
        f"The L's only symmetry is one mirror plane ({sym['L'].group}): a polar vector is fixed by it iff it lies in "
        f"the plane, a {n_l}-dimensional subspace (trace of the projector). The corner ({sym['corner'].group}) "
        f"allows {sym['corner'].fixed['1o']} (its 3-fold axis), the square and the line "
        f"{sym['square'].fixed['1o']}.",
    )
    return {"tt_q_pseudo": q_pseudo, "tt_q_order": q_order, "tt_q_vec": q_vec}


def piece_summary_text(name: str) -> str:
    """One sentence: the piece's group and its impossible outputs (degrees <= 2)."""
    s = piece_symmetries(2)[_index(name)]
    forb = ", ".join(s.forbidden) or "none"
    return (
        f"{name}: point group {s.group} ({s.order}{'+' if s.infinite else ''} elements, {s.n_improper} "
        f"improper); impossible outputs up to l = 2: {forb}."
    )


# ------------------------------------------------------------------------------------------------ page helpers
def parse_copies(text: str) -> list[int]:
    """``"0, 16, 128"`` -> ``[0, 16, 128]``: 1..6 distinct integers in 0..1024 (augmented copies per piece).

    >>> parse_copies("128 0,16")
    [0, 16, 128]

    Raises
    ------
    ValueError
        Anything else (the message says what is allowed).
    """
    parts = [p for p in str(text).replace(",", " ").replace(";", " ").split() if p]
    try:
        values = sorted({int(p) for p in parts})
    except ValueError:
        raise ValueError("copies must be whole numbers separated by commas, e.g. 0, 16, 128") from None
    if not 1 <= len(values) <= 6 or any(not 0 <= v <= 1024 for v in values):
        raise ValueError("give 1 to 6 numbers of copies, each from 0 to 1024, e.g. 0, 16, 128")
    return values


def live_config(n_seeds: int, copies_text: str, eq_steps: int, mlp_steps: int) -> dict[str, Any]:
    """The live job's config from the page's widgets (seeds ``0..n_seeds-1``), validated.

    >>> live_config(3, "0, 16, 128", 150, 300)["copies"]
    [0, 16, 128]
    """
    if isinstance(n_seeds, bool) or not isinstance(n_seeds, int) or not 1 <= n_seeds <= 5:
        raise ValueError(f"the number of seeds must be 1..5, got {n_seeds!r}")
    cfg = default_train_config()
    cfg.update(
        seeds=list(range(n_seeds)), copies=parse_copies(copies_text), eq_steps=int(eq_steps), mlp_steps=int(mlp_steps)
    )
    return validate_train_config(cfg)


def component_labels(irrep: str) -> list[str]:
    """Names of an irrep's components: ``x, y, z`` for ``l = 1``, ``m = -l..l`` otherwise.

    >>> component_labels("1e"), component_labels("2e")[0]
    (['x', 'y', 'z'], 'm=-2')
    """
    by_name = {str(i): i for i in irrep_list(4)}
    if irrep not in by_name:
        raise ValueError(f"irrep must be one of {list(by_name)}, got {irrep!r}")
    ir = by_name[irrep]
    if ir.l == 1:
        return ["x", "y", "z"]
    return [f"m={m}" for m in range(-ir.l, ir.l + 1)]


@dataclass(frozen=True)
class ProjectorView:
    """One piece and one irrep: the projector, the fixed basis, and a random model's output in that irrep."""

    piece: str
    group: str
    irrep: str
    P: Array
    labels: tuple[str, ...]
    fixed_dim: int
    basis: Array
    output: Array
    residual: float
    idempotence_error: float
    symmetry_error: float


def projector_view(piece: str, irrep: str, seed: int = 0) -> ProjectorView:
    """``P`` for ``irrep`` over the piece's group, its checks (``|P^2 - P|``, ``|P - P^T|``), an orthonormal basis
    of the fixed subspace, and the ``irrep`` output of a random float64 equivariant model with ``|y - P y|``."""
    labels = component_labels(irrep)
    import torch

    G = _group(PIECE_NAMES[_index(piece)])
    P = projector(irrep, G)
    w, v = np.linalg.eigh(P)
    net = _torch_model(seed, irrep)
    with torch.no_grad(), _one_thread():
        y = net(torch.as_tensor(piece_points(piece)[None])).numpy()[0]
    return ProjectorView(
        piece,
        G.name,
        irrep,
        P,
        tuple(labels),
        round(float(np.trace(P))),
        v[:, w > 0.5].T,
        y,
        float(np.linalg.norm(y - P @ y)),
        float(np.abs(P @ P - P).max()),
        float(np.abs(P - P.T).max()),
    )


def curie_columns(rows: list[CurieRow]) -> dict[str, list[Any]]:
    """Curie check as table columns: per piece, every block's norm and the largest residual."""
    cols: dict[str, list[Any]] = {"piece": [r.name for r in rows], "point group": [r.group for r in rows]}
    for j, name in enumerate(rows[0].irreps):
        cols[f"|{name}|"] = [r.norms[j] for r in rows]
    cols["max |y - P y|"] = [r.max_residual for r in rows]
    return cols


def summary_columns(result: dict[str, Any]) -> dict[str, list[Any]]:
    """The accuracy table (one row per model and copies) as columns."""
    s = summarize(result["rows"])
    return {
        "model": ["equivariant net" if r["model"] == "equivariant" else "MLP on coordinates" for r in s],
        "augmented copies": [r["copies"] for r in s],
        "seeds": [r["n_seeds"] for r in s],
        "test accuracy (mean)": [r["mean"] for r in s],
        "± std": [r["std"] for r in s],
        "min": [r["min"] for r in s],
        "max": [r["max"] for r in s],
        "7 pieces other than chiral 1": [r["mean_other_pieces"] for r in s],
        "chiral 1" + (" (never trained)" if result.get("held_out") else ""): [r["mirror_piece_mean"] for r in s],
        "lowest train accuracy": [r["train_accuracy_min"] for r in s],
        "underfit seeds": [r["underfit_seeds"] for r in s],
    }


#: The float columns of :func:`summary_columns` (shown with 3 decimals).
SUMMARY_FLOAT_COLUMNS = (
    "test accuracy (mean)",
    "± std",
    "min",
    "max",
    "7 pieces other than chiral 1",
    "chiral 1",
    "chiral 1 (never trained)",
    "lowest train accuracy",
)


def symmetry_columns(lmax: int = 2) -> dict[str, list[Any]]:
    """The point-group table: piece, group, order, improper count, chirality, impossible outputs up to ``lmax``."""
    sym = piece_symmetries(lmax)
    return {
        "piece": [s.name for s in sym],
        "point group": [s.group for s in sym],
        "|G|": [f"{s.order}" + (" (D24h stand-in for D∞h)" if s.infinite else "") for s in sym],
        "improper elements": [s.n_improper for s in sym],
        "chiral": ["yes" if s.chiral else "no" for s in sym],
        f"impossible outputs (l ≤ {lmax})": [", ".join(s.forbidden) or "none" for s in sym],
    }


@dataclass(frozen=True)
class ResultNotes:
    """The sentences under the accuracy table (Markdown; no user text in them)."""

    curie: str | None
    underfit: str | None
    budget: str


def result_notes(result: dict[str, Any]) -> ResultNotes:
    """Trained-model Curie check, underfitting flag and the budget line of a (live or shipped) result."""
    eq = [r for r in result["rows"] if r["model"] == "equivariant"]
    curie = None
    if eq:
        pairs = "; ".join(f"{a:+.3f} / {b:+.3f}" for a, b in (r["chiral_pseudoscalars"] for r in eq))
        curie = (
            "Trained equivariant nets, evaluated in float64: largest |0o output| on the six achiral pieces "
            f"**{max(r['achiral_pseudoscalar_max'] for r in eq):.1e}** (Curie: it must be 0); on the chiral "
            f"pair {pairs}."
        )
    under = [s for s in summarize(result["rows"]) if s["underfit_seeds"]]
    underfit = None
    if under:
        underfit = (
            "Underfitting flagged (train accuracy below 1): "
            + ", ".join(
                f"{'equivariant' if s['model'] == 'equivariant' else 'MLP'} k={s['copies']} ({s['underfit_seeds']} of "
                f"{s['n_seeds']} seeds)"
                for s in under
            )
            + "."
        )
    c = result["config"]
    budget = (
        f"Budget: {c['eq_steps']} Adam steps (equivariant), {c['mlp_steps']} (MLP, batch {c['mlp_batch']}); "
        f"learning rates tried {c['eq_lrs']} / {c['mlp_lrs']}; {c['n_test_rotations']} test rotations per piece; "
        f"wall {result['wall_time_s']:.1f} s, CPU {result['cpu_time_s']:.1f} s"
        + ("" if result.get("complete") else f"; {len(result['rows'])} of {result.get('n_points')} runs finished")
        + (f". Command: `{result['command']}`" if result.get("command") else ".")
    )
    return ResultNotes(curie, underfit, budget)


def vector_highlights() -> list[str]:
    """Where a vector output may point, piece by piece (from the projectors, in e3nn's axes; Markdown sentences).

    >>> vector_highlights()[0].startswith("**square** (D4h): no polar (1o) and no axial (1e) vector")
    True
    """
    sym = {s.name: s for s in piece_symmetries(1)}
    out = []
    for name in ("square", "line", "zigzag", "corner", "T", "L", "chiral 1"):
        s = sym[name]
        p, a = s.fixed["1o"], s.fixed["1e"]
        if p == 0 and a == 0:
            text = "no polar (1o) and no axial (1e) vector: the output must be exactly zero"
        else:
            parts = []
            for ir, k in (("1o", p), ("1e", a)):
                if k == 0:
                    parts.append(f"no {ir} vector")
                elif k == 1:
                    d = fixed_direction(name, ir)[0]
                    d = d * np.sign(d[np.argmax(np.abs(d))])
                    parts.append(f"{ir} only along ({', '.join(f'{round(float(v), 3) + 0.0:.3f}' for v in d)})")
                elif k == 2:
                    parts.append(f"{ir} only in a plane (2 of 3 directions)")
                else:
                    parts.append(f"{ir} in any direction")
            text = "; ".join(parts)
        out.append(f"**{name}** ({s.group}): {text}.")
    return out
