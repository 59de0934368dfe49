"""The molecular-dynamics lesson (:mod:`equi_core.lessons.molecular_dynamics`): every number the page shows.

The shipped runs are checked against their own series (the drift on the page is the slope of the energies on the
page, a failure time is the step of the failure, ...); the sentences are checked to quote those numbers and to
take the branch the numbers call for (synthetic studies exercise both branches).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from equi_core.lessons import molecular_dynamics as md

ESSAY_FILE = Path(__file__).resolve().parents[3] / "shared" / "seed" / "equivariance-free-lunch-essay.txt"
SHIPPED = md.shipped_molecules()


def _run(
    model: str,
    *,
    conservative: bool = True,
    constrained: bool = True,
    drift: float | None = 1e-5,
    failure_step: int | None = None,
    rot: float = 1e-7,
    steps: int = 100,
) -> dict[str, Any]:
    n_log = steps // 10 + 1
    t = np.arange(n_log) * 10 * 0.5e-3
    done = steps if failure_step is None else failure_step
    return {
        "model": model,
        "label": model,
        "conservative": conservative,
        "constrained": constrained,
        "steps_done": done,
        "time_ps": done * 0.5e-3,
        "drift_eV_per_atom_per_ps": drift,
        "fluctuation_eV_per_atom": 1e-5,
        "time_to_failure_ps": None if failure_step is None else failure_step * 0.5e-3,
        "failure": None if failure_step is None else {"step": failure_step, "reason": "bond 0-1 at 1.6 x"},
        "stopped": False,
        "mean_temperature_K": 300.0,
        "ms_per_step": 2.0,
        "cpu_ms_per_step": 1.5,
        "bond_w1_A": 0.0 if model == "xtb" else 0.01,
        "angle_w1_deg": 0.5,
        "bond_js": 0.1,
        "angle_js": 0.1,
        "rotation_energy_eV": rot,
        "rotation_force_eV_per_A": rot,
        "t_ps": t.tolist(),
        "potential_eV": (-300 + 0.01 * np.sin(t * 100)).tolist(),
        "kinetic_eV": (0.3 - 0.01 * np.sin(t * 100)).tolist(),
        "bond_hist": [0, 1, 2],
        "angle_hist": [1, 1],
        "frames": np.zeros((3, 3, 3)).tolist(),
        "frame_steps": [0, done // 2, done],
        "trajectory_file": None,
    }


def _study(runs: list[dict[str, Any]], ensemble: str = "nve", averaging: dict[str, Any] | None = None) -> dict:
    return {
        "molecule": "water",
        "config": {"ensemble": ensemble, "steps": 100, "dt_fs": 0.5},
        "start": {"temperature_K": 300.0, "source": "test", "numbers": [8, 1, 1]},
        "bonds": [[0, 1], [0, 2]],
        "bond_bins": [0.8, 1.0, 1.2, 1.4],
        "angle_bins": [100, 105, 110],
        "runs": runs,
        "averaging": averaging,
        "criteria": {"bond_window": [0.7, 1.5]},
        "command": "test",
        "machine": {},
        "complete": True,
    }


AVG = {
    "model": "transformer",
    "label": "t",
    "frames": 4,
    "rows": [
        {"k": 1, "rotations": "none", "energy_error_eV": 0.1, "force_error_eV_per_A": 0.1, "ms_per_call": 2.0},
        {"k": 1, "rotations": "random", "energy_error_eV": 0.1, "force_error_eV_per_A": 0.1, "ms_per_call": 2.1},
        {"k": 8, "rotations": "random", "energy_error_eV": 0.03, "force_error_eV_per_A": 0.03, "ms_per_call": 5.0},
        {"k": 32, "rotations": "random", "energy_error_eV": 0.02, "force_error_eV_per_A": 0.02, "ms_per_call": 20.0},
        {
            "k": 60,
            "rotations": "icosahedral",
            "energy_error_eV": 1e-3,
            "force_error_eV_per_A": 1e-3,
            "ms_per_call": 30.0,
        },
    ],
}


def _base_runs(direct_drift: float = 0.5) -> list[dict[str, Any]]:
    return [
        _run("xtb", drift=-1e-4, rot=1e-9),
        _run("nequip", drift=2e-5, rot=3e-7),
        _run("transformer", constrained=False, drift=-4e-5, rot=0.02),
        _run(
            "transformer-direct", conservative=False, constrained=False, drift=direct_drift, rot=0.05, failure_step=60
        ),
    ]


# -------------------------------------------------------------------------------------------- statements


def test_conservation_statement_quotes_the_drifts_and_takes_the_right_branch() -> None:
    s = md.study_from_dict(_study(_base_runs(0.5)))
    st = md.conservation_statement(s)
    assert st is not None
    # resolution: max(|xtb drift| 1e-4, fluctuation 1e-5 eV/atom over the 0.05 ps run = 2e-4) = 2e-4 eV/atom/ps
    assert st.values == {
        "direct_drift": 0.5,
        "worst_conservative_drift": -4e-5,
        "resolution_eV_per_atom_per_ps": pytest.approx(2e-4),
    }
    assert "below what a 0.05 ps run resolves (< 2.0e-04 eV/atom/ps" in st.text
    assert "drifts by 5.0e-01 eV/atom/ps, about 2500x that bound" in st.text and "failed after 0.03 ps" in st.text
    assert "12500x" not in st.text  # no ratio against a drift the run cannot resolve
    assert "budget-limited" not in st.text  # no shipped model records for "water"
    weak = md.conservation_statement(md.study_from_dict(_study(_base_runs(1e-6))))
    assert weak is not None and "is below what a 0.05 ps run resolves" in weak.text
    assert md.conservation_statement(md.study_from_dict(_study(_base_runs(), ensemble="nvt"))) is None
    no_direct = [r for r in _base_runs() if r["conservative"]]
    assert md.conservation_statement(md.study_from_dict(_study(no_direct))) is None


def test_invariance_statement() -> None:
    s = md.study_from_dict(_study(_base_runs()))
    st = md.invariance_statement(s)
    assert st is not None and st.values["worst_constrained_eV"] == 3e-7 and st.values["best_unconstrained_eV"] == 0.02
    assert "3.0e-07" in st.text and "2.0e-02" in st.text and "66667x" in st.text
    assert st.values["worst_constrained_f64_eV"] is None and "float64" not in st.text
    runs = _base_runs()
    runs[2]["rotation_energy_eV"] = 1e-8
    flipped = md.invariance_statement(md.study_from_dict(_study(runs)))
    assert flipped is not None and "as good as exact" in flipped.text


def test_averaging_statement_and_nearest_row() -> None:
    avg = md.study_from_dict(_study(_base_runs(), averaging=AVG)).averaging
    assert avg is not None and avg.bare.ms_per_call == 2.0 and avg.quadrature is not None
    assert [r.k for r in avg.random_rows] == [1, 8, 32]
    assert md.nearest_averaging_row(avg, 10).k == 8
    assert md.nearest_averaging_row(avg, 16).k == 8  # log2 distance tie: the smaller k
    assert md.nearest_averaging_row(avg, 20).k == 32
    st = md.averaging_statement(avg, 8)
    assert st is not None and st.values["cost_ratio"] == pytest.approx(2.5)
    assert "3.3x smaller" in st.text and "2.5x the cost" in st.text
    full = md.averaging_statement(avg)
    assert full is not None and "icosahedral" in full.text and "1.0e-03" in full.text
    assert "unconstrained transformer (+ rotation augmentation)" in full.text


def test_stability_statement() -> None:
    st = md.stability_statement(md.study_from_dict(_study(_base_runs())))
    assert st is not None
    assert "unconstrained transformer, direct forces (+ rotation augmentation) after 0.03 ps" in st.text
    assert "in this one trajectory" in st.text
    assert st.values["transformer-direct_failure_ps"] == pytest.approx(0.03)
    assert st.values["nequip_failure_ps"] is None
    ok = [r for r in _base_runs() if r["model"] != "transformer-direct"]
    every = md.stability_statement(md.study_from_dict(_study(ok)))
    assert every is not None and "Every model survived" in every.text


def test_quizzes_answer_from_the_numbers() -> None:
    s = md.study_from_dict(_study(_base_runs(), averaging=AVG))
    q = md.quizzes(s)
    assert q["md_quiz_drift"].answer == "transformer-direct"
    assert q["md_quiz_rotation"].answer == "only the constrained ones"
    assert q["md_quiz_cost"].answer == "8x to 32x"  # 20 ms / 2 ms = 10x
    runs = _base_runs()
    runs[1]["drift_eV_per_atom_per_ps"] = -3.0
    assert md.quizzes(md.study_from_dict(_study(runs)))["md_quiz_drift"].answer == "nequip"


def test_tables_have_equal_columns() -> None:
    s = md.study_from_dict(_study(_base_runs(), averaging=AVG))
    assert s.averaging is not None
    for cols in (md.summary_columns(s), md.energy_columns(s), md.averaging_columns(s.averaging)):
        assert len({len(v) for v in cols.values()}) == 1
    assert md.summary_columns(s)["drift eV/atom/ps"] == [-1e-4, 2e-5, -4e-5, 0.5]


def test_animation_holds_the_last_frame_of_a_failed_run() -> None:
    runs = _base_runs()
    runs[3]["frames"] = (np.arange(3)[:, None, None] * np.ones((3, 3, 3))).tolist()
    runs[3]["frame_steps"] = [0, 30, 60]
    runs[1]["frames"] = (np.arange(3)[:, None, None] * np.ones((3, 3, 3)) * 10).tolist()
    runs[1]["frame_steps"] = [0, 50, 100]
    a = md.animation_data(md.study_from_dict(_study(runs)), ["nequip", "transformer-direct"])
    assert a.titles[0] == "GFN2-xTB" and a.titles[2].endswith("(failed at 0.03 ps)")
    np.testing.assert_allclose(a.times_ps, [0.0, 0.025, 0.05])
    assert [float(f[0, 0]) for f in a.frames[2]] == [0.0, 1.0, 2.0]  # steps 0, 50 -> 30, 100 -> 60 (held)


def test_live_config_validates() -> None:
    cfg = md.live_config(["nequip"], "nve", 400, 500.0)
    assert cfg["models"] == ["nequip"] and cfg["steps"] == 400 and cfg["log_every"] == 2
    for bad in (
        (["nequip"], "npt", 400, 500.0),
        ([], "nve", 400, 500.0),
        (["mace"], "nve", 400, 500.0),
        (["nequip"], "nve", 5, 500.0),
        (["nequip"], "nve", 400, math.nan),
    ):
        with pytest.raises(ValueError):
            md.live_config(*bad)
    assert md.live_study(None) is None and md.live_study({"runs": []}) is None


def test_essay_quotes_are_verbatim() -> None:
    if not ESSAY_FILE.is_file():
        pytest.skip("the essay is not next to the repository")
    text = " ".join(ESSAY_FILE.read_text().split())
    for key, quote in md.ESSAY.items():
        assert " ".join(quote.split()) in text, key


# ------------------------------------------------------------------------------------------ shipped runs


@pytest.fixture(scope="module", params=SHIPPED or ["(none)"])
def shipped(request: Any) -> dict[str, md.Study]:
    if request.param == "(none)":
        pytest.fail("no shipped MD results in equi_core/training/results/md")
    return md.load_shipped(request.param)


def test_shipped_studies_have_every_model_and_the_reference(shipped: dict[str, md.Study]) -> None:
    for study in shipped.values():
        assert study.complete and study.command and study.command.startswith("python -m equi_core.training md")
        names = [r.model for r in study.runs]
        assert names[0] == "xtb"
        assert {"nequip", "tensornet", "transformer", "transformer-direct"} <= set(names)
        for r in study.runs:
            assert r.stopped is False
            assert r.conservative == (r.model != "transformer-direct")
            assert r.constrained == (r.model in ("xtb", "nequip", "tensornet"))
            path = md.trajectory_path(r)
            assert path is not None and path.stat().st_size < 200_000


def test_shipped_drift_is_the_slope_of_the_shown_energies(shipped: dict[str, md.Study]) -> None:
    study = shipped["nve"]
    n = len(study.numbers)
    for r in study.runs:
        t, e = r.t_ps, r.total_eV / n
        if r.time_to_failure_ps is not None:
            keep = t <= r.time_to_failure_ps
            t, e = t[keep], e[keep]
        slope = np.polyfit(t, e, 1)[0]
        # the stored drift is fitted on every step; the page's series keeps every log_every-th one, so the two
        # slopes differ by about the fluctuation over the run's duration
        tol = max(2e-5, 2 * (r.fluctuation_eV_per_atom or 0.0) / max(t[-1], 1e-9))
        assert slope == pytest.approx(r.drift_eV_per_atom_per_ps, rel=0.05, abs=tol), r.model


def test_shipped_failure_times_match_the_runs(shipped: dict[str, md.Study]) -> None:
    for study in shipped.values():
        for r in study.runs:
            if r.time_to_failure_ps is None:
                assert r.steps_done == study.steps
            else:
                assert r.steps_done * study.dt_fs / 1000 == pytest.approx(r.time_to_failure_ps)
                assert r.failure_reason


def test_shipped_reference_conserves_energy(shipped: dict[str, md.Study]) -> None:
    ref = shipped["nve"].reference
    assert ref is not None and ref.survived
    assert ref.drift_eV_per_atom_per_ps is not None and ref.fluctuation_eV_per_atom is not None
    assert ref.rotation_energy_eV is not None
    assert abs(ref.drift_eV_per_atom_per_ps) < 2e-3 and ref.fluctuation_eV_per_atom < 4e-4
    assert ref.rotation_energy_eV < 1e-6  # GFN2-xTB is exactly invariant up to its SCF convergence


def test_shipped_constrained_models_are_invariant_to_float32_rounding(shipped: dict[str, md.Study]) -> None:
    for study in shipped.values():
        for r in study.models:
            if r.constrained and r.rotation_energy_eV is not None:
                assert r.rotation_energy_eV < 1e-3, r.model  # float32 energies of ~ -300 eV


def test_shipped_statements_and_quizzes_build(shipped: dict[str, md.Study]) -> None:
    for study in shipped.values():
        statements = md.lesson_statements(study)
        assert statements
        for s in statements:
            assert s.text and all(v is None or math.isfinite(v) for v in s.values.values())
        for q in md.quizzes(study).values():
            assert q.answer in q.options
    avg = shipped["nve"].averaging
    assert avg is not None and [r.k for r in avg.random_rows] == [1, 2, 4, 8, 16, 32]
    assert avg.quadrature is not None


def test_shipped_record_is_small() -> None:
    total = sum(p.stat().st_size for p in md.RESULTS_DIR.glob("*"))
    assert total < 1_500_000, total


def test_studies_are_immutable(shipped: dict[str, md.Study]) -> None:
    r = next(iter(shipped.values())).runs[0]
    with pytest.raises(ValueError):
        r.potential_eV[0] = 0.0
    with pytest.raises(AttributeError):
        r.model = "x"  # type: ignore[misc]
    copy.deepcopy(r)


def test_survival_over_starts() -> None:
    runs = [
        md.SeedRun(s, "nve", m, 3.0, fail, None if fail is None else "bond", None)
        for s in (0, 1, 2)
        for m, fail in (("xtb", None), ("nequip", None), ("transformer-direct", 0.2 + s / 10))
    ]
    cols = md.survival_columns(runs, "nve")
    assert cols["model"] == ["xtb", "nequip", "transformer-direct"]
    assert cols["start 1 (3.0 ps)"] == ["survived 3.0 ps", "survived 3.0 ps", "failed at 0.30 ps"]
    assert cols["failed by 3.0 ps"] == ["0/3", "0/3", "3/3"]
    st = md.survival_statement(runs, "nve")
    assert st is not None and st.values == {"nequip_failed": 0.0, "transformer-direct_failed": 3.0, "horizon_ps": 3.0}
    assert (
        "failed from unconstrained transformer, direct forces (+ rotation augmentation) 3/3" in st.text
        and "never failed: nequip" in st.text
    )
    assert "GFN2-xTB failed 0/3" in st.text
    assert md.survival_statement([r for r in runs if r.seed == 0], "nve") is None


def test_shipped_starts(shipped: dict[str, md.Study]) -> None:
    molecule = next(iter(shipped.values())).molecule
    runs = md.load_seed_runs(molecule)
    for ensemble, study in shipped.items():
        mine = [r for r in runs if r.ensemble == ensemble]
        assert sorted({r.seed for r in mine}) == [0, 1, 2]
        for r in (x for x in mine if x.seed == 0):  # seed 0 is the shipped study itself
            assert r.time_to_failure_ps == study.run(r.model).time_to_failure_ps
        assert all(r.time_to_failure_ps is None for r in mine if r.model == "xtb")
        assert md.survival_statement(runs, ensemble) is not None


def test_survival_uses_one_horizon() -> None:
    # seed 0 ran 3 ps, seeds 1 and 2 ran 2 ps: a failure at 2.5 ps in seed 0 is after the common horizon
    runs = [md.SeedRun(0, "nve", "xtb", 3.0, None, None, None), md.SeedRun(0, "nve", "a", 3.0, 2.5, "bond", None)]
    runs += [md.SeedRun(s, "nve", m, 2.0, None, None, None) for s in (1, 2) for m in ("xtb", "a")]
    st = md.survival_statement(runs, "nve")
    assert st is not None and st.values == {"a_failed": 0.0, "horizon_ps": 2.0}
    assert "counting failures before 2.0 ps" in st.text and "seed 0 3.0 ps, seed 1 2.0 ps" in st.text
    assert "After 2.0 ps (only the longer starts ran on): failed a at 2.50 ps (seed 0)" in st.text
    cols = md.survival_columns(runs, "nve")
    assert cols["failed by 2.0 ps"] == ["0/3", "0/3"] and cols["start 0 (3.0 ps)"] == [
        "survived 3.0 ps",
        "failed at 2.50 ps",
    ]


def test_w1_ranking_flip_is_said() -> None:
    w = {0: (0.005, 0.012), 1: (0.006, 0.004)}  # model a closest in seed 0, b closest in seed 1
    runs = [
        md.SeedRun(s, "nve", m, 2.0, None, None, None, bond_w1_A=w[s][i]) for s in (0, 1) for i, m in enumerate("ab")
    ]
    assert md.w1_ranking_flips(runs, "nve") and md.w1_spread(runs, "nve") == {
        "a": (0.005, 0.006, 2),
        "b": (0.004, 0.012, 2),
    }
    same = [
        md.SeedRun(s, "nve", m, 2.0, None, None, None, bond_w1_A=0.01 * (i + 1))
        for s in (0, 1)
        for i, m in enumerate("ab")
    ]
    assert not md.w1_ranking_flips(same, "nve")


def test_display_names() -> None:
    assert md.display_name("transformer") == "unconstrained transformer (+ rotation augmentation)"
    assert md.display_name("transformer@avg8").endswith("averaged over 8 rotations")
    assert md.display_name("nequip") == "nequip"


# --------------------------------------------------------------------- the shipped sentences (issue: referee)

MODEL_KINDS = ("nequip", "tensornet", "transformer", "transformer-direct")


def test_shipped_model_records_have_errors_and_budget_flags() -> None:
    import json

    molecules = sorted({p.stem.rsplit("-", 1)[0] for p in md.MODELS_DIR.glob("*-nequip.json")})
    assert "ethanol" in molecules
    for molecule in molecules:
        for kind in MODEL_KINDS:
            raw = json.loads((md.MODELS_DIR / f"{molecule}-{kind}.json").read_text())
            rec = md.model_records(molecule)[kind]
            assert set(rec.errors) == {"train", "val", "test"}
            split = raw["split"]
            assert [raw["errors"][k]["frames"] for k in ("train", "val", "test")] == [
                split["n_train"],
                split["n_val"],
                split["n_test"],
            ]
            assert raw["errors_command"].startswith("python -m equi_core.training.record_errors")
            # the flag, recomputed here from the record's own stop reason, best step and sweep
            at_budget = raw["stopped"] == "max_steps" and raw["best_step"] >= 0.9 * raw["steps_run"]
            lrs = [s["lr"] for s in raw.get("lr_sweep", [])]
            at_top = bool(lrs) and raw["lr"] >= max(lrs)
            assert raw["budget_limited"] is (at_budget or at_top) and rec.budget_limited is raw["budget_limited"]
            assert ("top of the sweep" in rec.budget_limited_reason) is at_top
            for split_name, (e, f) in rec.errors.items():
                assert 0.01 < e < 50 and 0.005 < f < 0.5, (molecule, kind, split_name)
            cap = md.record_caption(molecule, kind)
            assert cap is not None and cap.startswith(md.BUDGET_NOTE) is raw["budget_limited"]
            assert f"test {raw['errors']['test']['energy_mae_mev_per_atom']:.2f} meV/atom" in cap
        assert md.record_caption(molecule, "xtb") is None


@pytest.mark.parametrize("molecule", SHIPPED)
def test_shipped_sentences_are_honest(molecule: str) -> None:
    studies = md.load_shipped(molecule)
    seed_runs = md.load_seed_runs(molecule)
    nve = studies["nve"]
    limited = any(r.budget_limited for r in md.model_records(molecule).values())
    texts = [s.text for st in studies.values() for s in md.lesson_statements(st)]
    texts += [md.survival_statement(seed_runs, e, molecule).text for e in ("nve", "nvt")]  # type: ignore[union-attr]
    for t in texts:
        assert ("budget-limited" in t) is limited
        assert " transformer (" not in t.replace("unconstrained transformer (", "")  # never the bare key in a sentence
    # drift: the ratio is taken against the resolution bound, and the branch follows the numbers
    bound, _, _ = md.drift_resolution(nve)
    cons = md.conservation_statement(nve)
    assert cons is not None and cons.values["resolution_eV_per_atom_per_ps"] == bound
    direct = abs(nve.run("transformer-direct").drift_eV_per_atom_per_ps or 0.0)
    survived = [r for r in nve.models if r.conservative and r.time_to_failure_ps is None]
    worst = max(abs(r.drift_eV_per_atom_per_ps or 0.0) for r in survived)
    for r in nve.models:  # a conservative run that failed is named apart, its short-run drift not compared
        if r.conservative and r.time_to_failure_ps is not None:
            assert f"{md.display_name(r.model)} (failed at {r.time_to_failure_ps:.2f} ps)" in cons.text
    if worst < bound < direct:
        assert "is below what a" in cons.text and f"about {direct / bound:.0f}x that bound" in cons.text
    elif direct > bound:
        assert "both above what a" in cons.text
    else:
        assert "did not show in the total energy" in cons.text
    # survival: counted on the one horizon every start reached
    for ensemble in ("nve", "nvt"):
        sv = md.survival_statement(seed_runs, ensemble, molecule)
        assert sv is not None
        horizon = md.common_horizon(seed_runs, ensemble)
        assert sv.values["horizon_ps"] == horizon
        for m in {r.model for r in seed_runs if r.ensemble == ensemble and r.model != "xtb"}:
            failed = sum(
                1
                for r in seed_runs
                if r.ensemble == ensemble
                and r.model == m
                and r.time_to_failure_ps is not None
                and r.time_to_failure_ps <= horizon
            )
            assert sv.values[f"{m}_failed"] == failed, (ensemble, m)
    # W1 ranking: one trajectory; a flip across starts is said
    for study in studies.values():
        stab = md.stability_statement(study, seed_runs)
        assert stab is not None and "in this one trajectory" in stab.text
        if md.w1_ranking_flips(seed_runs, study.ensemble):
            assert "this ranking is not a result" in stab.text
    # averaging: how the k = 8 averaged run ended, beside the bare one
    avg = md.averaging_statement(nve.averaging, None, nve)
    assert avg is not None
    averaged, bare = nve.run("transformer@avg8"), nve.run("transformer")
    if averaged.time_to_failure_ps is not None:
        assert f"k = 8 averaged model failed at {averaged.time_to_failure_ps:.2f} ps" in avg.text
    else:
        assert f"k = 8 averaged model survived {averaged.time_ps:.2f} ps" in avg.text
    if bare.survived:
        assert f"while the bare model survived {bare.time_ps:.2f} ps" in avg.text
