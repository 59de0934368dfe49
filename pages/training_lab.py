"""Training lab: the essay's empirical claims in its own words, and beside them only what the results measured.

Thin page: widgets through ``lab_ui``, words and numbers from ``equi_core.lessons.training_lab`` (computed from the
shipped or live result at render time), figures from ``equi_core.viz.training``, live runs through
``lab_ui.jobs.live_job`` (a bounded process pool; the page never trains in its own thread).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import lab_ui
from equi_core.lessons import training_lab as lesson
from equi_core.lessons.classroom import Param
from equi_core.training.catalog import (
    EXPERIMENTS,
    MODELS_BY_EXPERIMENT,
    default_config,
    validate_config,
)
from equi_core.training.molecular_data import tblite_available
from equi_core.viz.training import force_distribution_figure, result_columns, result_figure, wall_time_figure
from lab_ui import jobs

lab_ui.page_setup("Training lab")
KEYS = list(EXPERIMENTS)
MOLS = lesson.shipped_molecules("sample-efficiency") or ("ethanol",)
SPEC = {
    "exp": Param("choice", "sample-efficiency", choices=tuple(KEYS)),
    "mol": Param("choice", MOLS[0], choices=MOLS),
}
JOB = "training_lab"
VERDICT_BOX = {"supported": st.success, "partly supported": st.warning, "contradicted": st.error}

st.markdown(
    "The essay makes empirical claims about equivariant interatomic potentials. Here each one is an experiment: "
    "real molecules (ethanol, and acetic acid for experiment 1, from GFN2-xTB Langevin dynamics at 500 K, energies "
    "and forces) for data efficiency, "
    "symmetry and the large-data regime; small synthetic environments where a clean mechanism is the point "
    "(truncation, depth). Every model is trained on the same protocol: validation split with early stopping, a "
    "learning rate chosen on validation, three seeds, train / validation / test errors recorded."
)
note = lesson.tblite_message(tblite_available())
if note:
    st.warning(note)

with st.expander("The datasets (what every model here learns from)", expanded=False):
    st.markdown(lesson.dataset_text())
    st.latex(
        r"\tau_{\rm int}=\tfrac12+\sum_{t=1}^{M}\rho(t),\qquad"
        r"\text{stride}\ \ge\ 2\max(\tau_{\rm int}^{E},\,\tau_{\rm int}^{r_{ij}})"
    )
    data_table = lesson.dataset_columns()
    st.dataframe(pd.DataFrame(data_table), hide_index=True, width="stretch")
    lab_ui.chart(
        force_distribution_figure(lesson.force_histograms()),
        key="tl_data_fig",
        downloads=[lab_ui.csv_download("Datasets (CSV)", data_table, "datasets.csv", "tl_data_csv")],
    )

state = lab_ui.url_state(SPEC)
exp = state.selectbox(
    "Experiment", "exp", KEYS, format_func=lambda k: f"{EXPERIMENTS[k].number}. {EXPERIMENTS[k].title}"
)
info = EXPERIMENTS[exp]
mol = MOLS[0]
if exp == "sample-efficiency" and len(MOLS) > 1:
    mol = state.selectbox("Molecule (shipped runs)", "mol", list(MOLS), format_func=lesson.molecule_label)
state.sync()
st.caption(f"Task: {info.task}.")

# ------------------------------------------------------------------------------------------------ the live form
live_cfg = default_config(exp, "live")
models_key = "nonlinearities" if exp == "depth" else "models"


def _keep(key: str) -> None:
    """Copy a widget's value to a plain key: Streamlit forgets the state of widgets a run does not draw, so a
    selection made for one experiment survives a visit to another."""
    st.session_state[f"_kept_{key}"] = st.session_state[key]


def _multi(label: str, name: str, options: list, default: list, **kw: Any) -> list:
    key = f"tl_{exp}_{name}"  # keyed per experiment: switching experiments never reuses another's selection
    value = st.session_state.get(key, st.session_state.get(f"_kept_{key}", default))
    return st.multiselect(
        label, options, default=[v for v in value if v in options], key=key, on_change=_keep, args=(key,), **kw
    )


def _number(label: str, name: str, lo: int, hi: int, default: int, step: int = 1) -> int:
    key = f"tl_{exp}_{name}"
    value = int(st.session_state.get(key, st.session_state.get(f"_kept_{key}", default)))
    return int(st.number_input(label, lo, hi, value, step, key=key, on_change=_keep, args=(key,)))


with st.expander("Run it live (small settings; each default run finishes in well under 30 s)", expanded=False):
    c1, c2 = st.columns(2)
    with c1:
        overrides: dict = {
            models_key: _multi(
                "Models" if exp != "depth" else "Nonlinearities",
                models_key,
                list(MODELS_BY_EXPERIMENT[exp]),
                live_cfg[models_key],
                format_func=lesson.model_label,
            )
        }
    with c2:
        if exp in ("sample-efficiency", "large-data"):
            grid = sorted(set(default_config(exp)["n_train"]) | set(live_cfg["n_train"]))
            overrides["n_train"] = sorted(_multi("Training-set sizes N", "n_train", grid, live_cfg["n_train"]))
        elif exp == "equivariance":
            overrides["n_train"] = _number("Training frames N", "n_train", 10, 400, live_cfg["n_train"], 10)
            overrides["penalty_weight"] = float(
                st.slider("Rotation-penalty weight", 0.0, 10.0, 1.0, 0.5, key=f"tl_{exp}_penalty")
            )
        elif exp == "truncation":
            overrides["order"] = int(
                st.slider("Target order K in cos(Kθ)", 1, 5, live_cfg["order"], key=f"tl_{exp}_order")
            )
            overrides["lmax_values"] = sorted(
                _multi("Model degrees L", "lmax", list(range(6)), live_cfg["lmax_values"])
            )
        else:
            overrides["depths"] = sorted(_multi("Depths", "depths", [1, 2, 3, 4, 6, 8], live_cfg["depths"]))
            overrides["residual"] = _multi(
                "Residual connections",
                "residual",
                [True, False],
                live_cfg["residual"],
                format_func=lambda r: "on" if r else "off",
            )
        overrides["max_steps"] = _number("Largest step budget per run", "steps", 10, 3000, live_cfg["max_steps"], 50)
    try:
        if exp in ("sample-efficiency", "large-data", "equivariance"):
            overrides["min_steps"] = min(live_cfg["min_steps"], overrides["max_steps"])
        validate_config(exp, overrides, tier="live")
        problem = None
    except ValueError as exc:
        problem = exc
        lab_ui.error("These settings cannot run: {}", exc)
    job = jobs.live_job(
        JOB,
        "equi_core.training.experiments:train_job",
        {"experiment": exp, **overrides},
        start_label="Run live",
        disabled=problem is not None,
    )

# ------------------------------------------------------------------------------------------------ which result
# the shipped result as the lab shows it (large data joined to experiment 1, failed runs left out), and the live
# one under the same underfitting rule
shipped = lesson.shown(exp, molecule=mol if exp == "sample-efficiency" else None)
live = job.result or job.partial
live = lesson.reflag(live) if live is not None and live.get("experiment") == exp else None
sources = {k: v for k, v in (("live run", live), ("shipped result", shipped)) if v is not None}
result = None
if len(sources) > 1:
    result = sources[st.radio("Show", list(sources), horizontal=True, key=f"tl_show_{exp}") or "live run"]
elif sources:
    result = next(iter(sources.values()))

# ------------------------------------------------------------------------------------------------ claim and measurement
left, right = st.columns(2)
with left:
    st.markdown("#### The essay says")
    for quote in lesson.essay_quotes(exp):
        st.markdown(f"> {quote}")
with right:
    st.markdown("#### What the results show")
    fnd = lesson.finding(result)
    VERDICT_BOX.get(fnd.verdict, st.info)(f"**{fnd.verdict.capitalize()}.** {fnd.text}")

if result is None or not result.get("table"):
    st.info(
        "No finished runs for this experiment yet: run it live above, or with "
        f"`python -m equi_core.training experiment {exp}`."
    )
    st.stop()

fig = result_figure(result)
lab_ui.chart(
    fig,
    key="tl_fig",
    downloads=[
        lab_ui.csv_download("Table (CSV)", result_columns(result), f"training_{exp}.csv", "tl_csv"),
        lab_ui.html_download("Figure (HTML)", fig, f"training_{exp}.html", "tl_html"),
    ],
)
if exp in ("sample-efficiency", "large-data"):
    lab_ui.chart(wall_time_figure(result), key="tl_wall")
under = lesson.underfit_text(result)
if under:
    st.warning(under)
st.markdown(lesson.protocol_text(result))
st.caption(lesson.run_text(result))
st.dataframe(pd.DataFrame(lesson.table_records(result)), hide_index=True, width="stretch")
sweep = lesson.sweep_records(result)
if sweep:
    with st.expander("The learning-rate sweep behind these rates"):
        st.caption(lesson.sweep_text(result))
        st.dataframe(pd.DataFrame(sweep), hide_index=True, width="stretch")
if exp in ("sample-efficiency", "large-data", "equivariance"):
    st.latex(
        r"\mathcal L=\frac{w_E\,\overline{(\Delta E/n)^2}+w_F\,\overline{\Delta F^2}}{\overline{F^2}_{\rm train}},"
        r"\qquad E(Rx)=E(x),\quad F(Rx)=R\,F(x)"
    )
elif exp == "truncation":
    st.latex(r"E=\sum_{j<k} f(r_j)f(r_k)\cos(K\theta_{jk}),\qquad \cos K\theta=\sum_{l\le K} a_l P_l(\cos\theta)")
else:
    st.latex(
        r"\text{norm: } v\mapsto\sigma(\lVert v\rVert+b)\,\tfrac{v}{\lVert v\rVert},\quad"
        r"\text{gate: } v\mapsto v\,\mathrm{sigmoid}(g),\quad \text{TP: } y\mapsto y+W(y\otimes y)"
    )

# ------------------------------------------------------------------------------------------------ code and quiz
from equi_core.training import experiments, molecular_runs, protocol  # noqa: E402  (torch, only for the code view)

lab_ui.show_code(
    protocol.fit_cached if exp in ("truncation", "depth") else molecular_runs.run,
    experiments.run_experiment,
    caption="The protocol as run, read from `equi_core/training/`.",
)
lab_ui.quiz_section(lesson.quizzes(result, order=int(result.get("config", {}).get("order", 3))))
