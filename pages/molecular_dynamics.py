"""Lesson: molecular dynamics with a learned potential (issue 12).

Thin page: widgets through ``lab_ui``, numbers from ``equi_core.lessons.molecular_dynamics`` (shipped runs, or the
live job ``equi_core.training.md:md_job``), figures from ``equi_core.viz.molecular_dynamics``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import lab_ui
import lab_ui.jobs
from equi_core.lessons import molecular_dynamics as md
from equi_core.lessons.classroom import Param
from equi_core.training import md as core
from equi_core.viz import molecular_dynamics as vz

MOLECULES = md.shipped_molecules() or ("ethanol",)
SPEC = {
    "molecule": Param("choice", MOLECULES[0], choices=MOLECULES),
    "ensemble": Param("choice", "nve", choices=("nve", "nvt")),
    "models": Param("str", "nequip,transformer,transformer-direct", max_len=120),
    "k": Param("int", 8, min=1, max=32),
    "T": Param("int", int(md.LIVE_DEFAULTS["temperature_K"]), min=50, max=1500),
    "steps": Param("int", int(md.LIVE_DEFAULTS["steps"]), min=20, max=md.LIVE_MAX_STEPS),
}


def animation(study: md.Study, models: tuple[str, ...]) -> go.Figure:
    a = md.animation_data(study, models)
    panels = [vz.Panel(t, f) for t, f in zip(a.titles, a.frames)]
    return vz.trajectory_animation(panels, study.numbers, study.bonds, a.times_ps)


@st.cache_data(max_entries=16, show_spinner=False)
def shipped_animation(molecule: str, ensemble: str, models: tuple[str, ...]) -> go.Figure:
    return animation(md.load_shipped(molecule)[ensemble], models)


def energies(study: md.Study, models: tuple[str, ...]) -> go.Figure:
    runs = [r for r in study.runs if r.is_reference or r.model in models]
    series = [vz.EnergySeries(md.display_name(r.model), r.t_ps, r.potential_eV, r.kinetic_eV) for r in runs]
    return vz.energy_figure(series, n_atoms=len(study.numbers))


def cards(study: md.Study, models: tuple[str, ...]) -> None:
    runs = [r for r in study.runs if r.is_reference or r.model in models]
    for col, r in zip(st.columns(len(runs)), runs):
        drift = r.drift_eV_per_atom_per_ps
        if (note := md.record_caption(study.molecule, r.model)) is not None:
            col.caption(note)
        name = md.display_name(r.model)
        col.metric(f"{name}: drift, eV/atom/ps", "n/a (NVT)" if drift is None else f"{drift:.1e}", help=r.label)
        fail = "survived" if r.survived else f"failed at {r.time_to_failure_ps:.2f} ps"
        col.metric(
            f"{name}: stability", fail, help=r.failure_reason or f"{r.time_ps:.2f} ps without leaving the window"
        )
        mae = "" if r.test_force_mae_eV_per_A is None else f"; test force MAE {r.test_force_mae_eV_per_A:.3f} eV/Å"
        col.caption(f"{r.cpu_ms_per_step:.1f} CPU ms/step ({r.ms_per_step:.1f} ms wall){mae}")


def sci(df: pd.DataFrame) -> dict:
    return {c: st.column_config.NumberColumn(format="%.2e") for c in df.columns if df[c].dtype.kind == "f"}


def statement(s: md.Statement | None) -> None:
    if s is not None:
        st.info(s.text)


lab_ui.page_setup("Molecular dynamics with a learned potential")
state = lab_ui.url_state(SPEC)
st.markdown(f"> *{md.ESSAY['invariant']}* … *{md.ESSAY['impossible']}* (the essay)")
st.markdown(f"> *{md.ESSAY['conservation']}* …) — footnote 2: *{md.ESSAY['dark_side']}* (the essay)")
st.markdown(
    "A potential is used to run simulations. Here every model drives the same molecule from the same start "
    "(a frame of the GFN2-xTB dataset it was trained on, the same Maxwell-Boltzmann velocities), beside the "
    "GFN2-xTB reference. Velocity Verlet (NVE) conserves $E = E_\\mathrm{pot} + E_\\mathrm{kin}$ up to "
    "$O(\\Delta t^2)$ only if $F = -\\nabla E_\\mathrm{pot}$."
)
c1, c2, c3 = st.columns([1, 1, 3])
molecule = state.selectbox("Molecule", "molecule", where=c1)
ensemble = state.radio("Ensemble", "ensemble", where=c2, horizontal=True)
try:
    studies = md.load_shipped(molecule)
except ValueError as exc:
    lab_ui.error("No shipped runs: {}", exc)
    st.stop()
study = studies.get(ensemble) or next(iter(studies.values()))
available = [r.model for r in study.models]
wanted = [m for m in str(state["models"]).split(",") if m in available] or available
models = tuple(
    c3.multiselect("Models (GFN2-xTB always shown)", available, wanted, key="models_pick", format_func=md.display_name)
)
state.shown["models"] = ",".join(models)
st.caption(
    f"Shipped run: {study.steps} steps of {study.dt_fs} fs ({study.steps * study.dt_fs / 1000:.1f} ps), "
    f"{study.ensemble.upper()}, {study.temperature_K:.0f} K, from {study.start_source}. Made by `{study.command}`."
)

st.header("1. The molecule moving")
anim = shipped_animation(molecule, study.ensemble, models)
lab_ui.chart(
    anim, "md_anim", downloads=[lab_ui.html_download("Animation (HTML)", anim, f"{molecule}-md.html", "dl_anim")]
)
st.caption("Press ▶: the frames are in the page, your browser plays them. Bonds are those of the starting frame.")

st.header("2. Energy: conservative versus direct forces")
st.latex(r"W = \oint \mathbf F\cdot d\mathbf x = 0 \;\text{for every loop} \iff \mathbf F = -\nabla E")
cards(study, models)
efig = energies(study, models)
lab_ui.chart(efig, "md_energy", downloads=[lab_ui.html_download("Energies (HTML)", efig, "energies.html", "dl_e")])
statement(md.conservation_statement(studies.get("nve", study)))

st.header("3. Exact versus learned invariance")
st.latex(r"\max_{R,\,x\in\text{trajectory}} |E(Rx) - E(x)|")
statement(md.invariance_statement(study))
rot = pd.DataFrame(
    {
        "model": [md.display_name(r.model) for r in study.runs],
        "what it is": [r.label for r in study.runs],
        "max |ΔE| eV": [r.rotation_energy_eV for r in study.runs],
        "max |ΔE| eV (float64)": [r.rotation_energy_f64_eV for r in study.runs],
        "max |ΔF| eV/Å": [r.rotation_force_eV_per_A for r in study.runs],
    }
)
st.dataframe(rot, hide_index=True, column_config=sci(rot))

st.header("4. Structure: bond lengths and angles against the reference")
ref = study.reference
for tab, (bins, what, unit) in zip(
    st.tabs(["bond lengths", "bond angles"]),
    [(study.bond_bins, "bond_hist", "bond length (Å)"), (study.angle_bins, "angle_hist", "angle (degrees)")],
):
    hists = [(r.model, getattr(r, what)) for r in study.models if r.model in models]
    fig = vz.bond_histogram_figure(bins, hists, None if ref is None else getattr(ref, what), xlabel=unit)
    with tab:
        lab_ui.chart(fig, f"md_{what}")
statement(md.stability_statement(study, seed_runs := md.load_seed_runs(molecule)))
survival = md.survival_columns(seed_runs, study.ensemble)
survival["model"] = [md.display_name(m) for m in survival["model"]]
st.dataframe(pd.DataFrame(survival), hide_index=True)
statement(md.survival_statement(seed_runs, study.ensemble, molecule))
st.caption(
    "Distance between distributions: Wasserstein-1 (Å or degrees) over the samples of the run until its "
    f"failure. Failure: a starting bond outside {study.criteria.get('bond_window')} x its starting length, "
    f"atoms closer than {study.criteria.get('min_distance_A')} Å, or the total energy off by more than "
    f"{study.criteria.get('energy_explosion_eV_per_atom')} eV/atom."
)

st.header("5. What rotational averaging costs")
st.markdown(f"> *{md.ESSAY['unconstrained']}* (the essay; *{md.ESSAY['pushing']}*)")
st.latex(r"E_k(x) = \frac1k\sum_{r=1}^{k} E(R_r x),\qquad F_k(x) = \frac1k\sum_{r=1}^{k} R_r^{\top} F(R_r x)")


@st.fragment
def averaging_panel(avg: md.Averaging) -> None:
    k = state.slider("k (rotations averaged)", "k")
    row = md.nearest_averaging_row(avg, int(k))
    rr = avg.random_rows
    q = avg.quadrature
    lab_ui.chart(
        vz.averaging_figure(
            [r.k for r in rr],
            [r.energy_error_eV for r in rr],
            [r.ms_per_call for r in rr],
            bare_error_eV=avg.bare.energy_error_eV,
            bare_ms=avg.bare.ms_per_call,
            quadrature=None if q is None else (q.k, q.energy_error_eV, q.ms_per_call),
            selected_k=row.k,
        ),
        "md_avg",
    )
    statement(md.averaging_statement(avg, int(k), study))
    state.sync()


if study.averaging is not None:
    averaging_panel(study.averaging)
    statement(md.averaging_statement(study.averaging, None, studies.get("nve", study)))
else:
    st.caption("This study has no averaging table.")

st.header("6. Run it live")
st.caption(
    "The models chosen above (without averaging) and the GFN2-xTB reference, from the same start, on this "
    "server. The default finishes in seconds; Stop keeps the runs already finished and the part of the current one."
)
c1, c2 = st.columns(2)
T = state.slider("Temperature (K)", "T", where=c1)
steps = state.slider("Steps (0.5 fs each)", "steps", where=c2, step=20)
live_models = [m for m in models if m in md.LIVE_MODELS] or list(md.LIVE_DEFAULTS["models"])
config: dict[str, Any] | None
try:
    config = md.live_config(live_models, ensemble, int(steps), float(T), molecule)
except ValueError as exc:
    lab_ui.error("Cannot run: {}", exc)
    config = None
job = lab_ui.jobs.live_job(
    "md", "equi_core.training.md:md_job", config or {}, start_label="Run live", disabled=config is None
)
live = md.live_study(job.result or job.partial)
if live is not None:
    st.caption(
        f"Live run ({job.status}): {', '.join(md.display_name(r.model) for r in live.runs)}; "
        f"{max(r.steps_done for r in live.runs)} steps."
    )
    live_models_done = tuple(r.model for r in live.models)
    cards(live, live_models_done)
    lab_ui.chart(energies(live, live_models_done), "md_live_energy")
    lab_ui.chart(animation(live, live_models_done), "md_live_anim")
    statement(md.conservation_statement(live))

st.header("All numbers")
table = md.summary_columns(study)
st.dataframe(pd.DataFrame(table), hide_index=True, column_config=sci(pd.DataFrame(table)))
downloads = [
    lab_ui.csv_download("Summary (CSV)", table, f"{molecule}-{ensemble}-summary.csv", "dl_sum"),
    lab_ui.csv_download("Energies (CSV)", md.energy_columns(study), f"{molecule}-{ensemble}-energies.csv", "dl_en"),
]
if study.averaging is not None:
    downloads.append(
        lab_ui.csv_download(
            "Averaging (CSV)", md.averaging_columns(study.averaging), f"{molecule}-averaging.csv", "dl_avg"
        )
    )
for r in study.runs:
    path = md.trajectory_path(r)
    if path is not None and (r.is_reference or r.model in models):
        downloads.append(
            lab_ui.Download(f"{r.model} trajectory (extxyz)", path.read_bytes(), path.name, f"dl_traj_{r.model}")
        )
lab_ui.download_buttons(downloads, columns=4)

lab_ui.quiz_section(md.quizzes(study))
lab_ui.show_code(
    core.run_dynamics,
    core.analyse_run,
    core.RotationallyAveraged,
    md.conservation_statement,
    caption="The MD loop, what a run measures, rotational averaging, and one of the lesson's sentences "
    "(computed from the results).",
)
state.sync()
