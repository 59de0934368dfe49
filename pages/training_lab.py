"""Training lab: the seed's claims as experiments anyone can run (shipped results instantly, live re-runs).

Live runs advance one *point* (one trained model) per script run and then ``st.rerun()``: a click on
"Stop" interrupts the running point (Streamlit stops a script run when a widget changes), its
callback marks the job stopped, and every finished point stays on screen.
"""
from __future__ import annotations

import runpy
import time
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
import torch

from equi_core.classroom import (
    Param,
    Quiz,
    encode_query_params,
    figure_to_html,
    read_query_params,
    source_of,
    table_to_csv,
)
from equi_core.training.data import TargetSpec, legendre_spectrum, site_energy
from equi_core.training.experiments import (
    EXPERIMENTS,
    MODEL_LABELS,
    MODELS_BY_EXPERIMENT,
    default_config,
    load_average,
    load_result,
    make_result,
    plan_points,
    prepare,
    run_point,
    validate_config,
)
from equi_core.training.features import power_spectrum, power_spectrum_size, spherical_harmonics_torch
from equi_core.training.layers import ChannelwiseTensorProduct, Gate, NormActivation
from equi_core.training.models import CartesianTransformer, IrrepsNet, PowerSpectrumModel
from equi_core.training.train import Control, StopRequested, net_torque, resolve_device, train_model
from equi_core.viz.training import MODEL_SHORT, measured_text, result_columns, result_figure

# On a fresh server Streamlit may run this file through its legacy pages/ discovery (app.py is then one of the
# session's pages): hand the request to app.py's navigation so the page gets its config, sidebar and layout.
if any(Path(p["script_path"]).name == "app.py" for p in get_script_run_ctx().pages_manager.get_pages().values()):
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "app.py"))
    st.stop()

KEYS = list(EXPERIMENTS)
SPEC = {
    "exp": Param("choice", "sample-efficiency", choices=tuple(KEYS)),
    "K": Param("int", 4, min=2, max=6),
    "target": Param("choice", "sw", choices=("sw", "cos")),
    "penalty": Param("float", 1.0, min=0.0, max=100.0),
    "readout": Param("choice", "mlp", choices=("mlp", "linear")),
}
JOB, LIVE, STOP = "tl_job", "tl_live", "tl_stop"
N_CHOICES = [128, 512, 2048, 8192, 32768]


@st.cache_data(max_entries=8, show_spinner=False)
def _shipped(key: str) -> dict | None:
    return load_result(key)


@st.cache_data(max_entries=4, show_spinner=False)
def _torque_of_invariant_model() -> float:
    """Largest |net torque| of an (untrained) invariant model on random environments, float64."""
    torch.manual_seed(0)
    from equi_core.training.data import make_dataset

    data = make_dataset(16, TargetSpec(), seed=3, dtype=torch.float64)
    model = PowerSpectrumModel(lmax=3).double()
    pos = data.pos.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(model(pos).sum(), pos)
    return float(net_torque(data.pos, -g).abs().max())


def _request_stop() -> None:
    st.session_state[STOP] = True
    job = st.session_state.get(JOB)
    if job and job["status"] == "running":
        job["status"] = "stopped"


def _start_job() -> None:
    """on_click of the form's submit button: build the job from the form's widgets."""
    key = st.session_state["tl_exp"]
    try:
        cfg = _config_from_widgets(key)
        cfg = validate_config(key, cfg)
        device = resolve_device(st.session_state.get("tl_device", "auto"))
    except ValueError as exc:
        st.session_state["tl_error"] = str(exc)
        return
    st.session_state[STOP] = False
    st.session_state[JOB] = {
        "key": key, "config": cfg, "device": str(device), "points": plan_points(key, cfg), "next": 0, "rows": [],
        "status": "running", "seconds": 0.0, "cpu": 0.0, "context": None, "load": load_average(),
    }


def _config_from_widgets(key: str) -> dict:
    s = st.session_state
    cfg = default_config(key, device="cpu")
    if key in ("sample-efficiency", "large-data"):
        n_max = int(s["tl_nmax"])
        cfg["n_train"] = [n for n in cfg["n_train"] + [32768] if n <= n_max] or [n_max]
        cfg["n_train"] = sorted(set(cfg["n_train"]))
        cfg["models"] = list(s["tl_models"])
        if key == "sample-efficiency":
            cfg["angular"] = s["tl_target"]
            cfg["order"] = int(s["tl_K"])
            cfg["lmax"] = 2 if cfg["angular"] == "sw" else int(s["tl_K"])  # the model degree the target needs
            cfg["force_weight"] = 1.0 if s["tl_forces"] else 0.0
        else:
            cfg["four_body_weight"] = float(s["tl_w4"])
        cfg["steps"] = int(s["tl_steps"])
        cfg["unconstrained_steps"] = int(s["tl_usteps"])
    elif key == "equivariance":
        cfg["models"] = list(s["tl_models"])
        cfg["penalty_weight"] = float(s["tl_penalty"])
        cfg["n_train"] = int(s["tl_ntrain"])
        cfg["steps"] = int(s["tl_steps"])
    elif key == "truncation":
        cfg["order"] = int(s["tl_K"])
        cfg["lmax_values"] = list(range(0, int(s["tl_Lmax"]) + 1))
        cfg["readout"] = s["tl_readout"]
        cfg["n_train"] = int(s["tl_ntrain"])
        cfg["steps"] = int(s["tl_steps"])
    else:
        cfg["models"] = list(s["tl_models"])
        cfg["depths"] = [d for d in (1, 2, 3, 4, 6, 8) if d <= int(s["tl_dmax"])]
        cfg["width"] = int(s["tl_width"])
        cfg["steps"] = int(s["tl_steps"])
    return cfg


# ------------------------------------------------------------------------------------------------ header
st.title("Training lab")
st.markdown(
    "The essay makes measurable claims: equivariance buys **sample efficiency**, it is **exact** where learned "
    "symmetry is only approximate, but its mechanisms cost **expressivity** (truncation at degree $L$, norm "
    "nonlinearities that need depth) and, with enough data, **unconstrained** models catch up. Here each claim is "
    "an experiment on synthetic atom-centred environments: a central atom, 8 neighbours inside a smooth cutoff, and "
    "a rotation-invariant site energy"
)
st.latex(r"E=\sum_j \phi(r_j)+\sum_{j<k} f(r_j)f(r_k)\,g(\cos\theta_{jk})\;\Big[+\,w_4\!\!\sum_{j<k<m}\!\!"
         r"f_j f_k f_m\,(\hat r_j\cdot\hat r_k\times\hat r_m)^2\Big]")
st.latex(r"E(R\,x)=E(x),\qquad F(R\,x)=R\,F(x)\qquad\text{for every rotation } R.")
st.caption("g is Stillinger–Weber-like (cos θ + 1/3)² or cos(Kθ); forces by autograd. Shipped results appear "
           "instantly; **Run live** re-trains on this server (CPU by default, small models, one thread).")

values, notices = read_query_params(st.query_params.to_dict(), SPEC)
for note in notices:
    st.warning(note)

exp = st.selectbox("Experiment", KEYS, index=KEYS.index(values["exp"]), key="tl_exp",
                   format_func=lambda k: f"{EXPERIMENTS[k].number}. {EXPERIMENTS[k].title}")
info = EXPERIMENTS[exp]
st.info("**The seed's claim.** " + info.claim)
if st.session_state.get("tl_error"):
    st.error(st.session_state.pop("tl_error"))

job = st.session_state.get(JOB)
if job is not None and job["status"] == "running" and st.session_state.get(STOP):
    job["status"] = "stopped"  # the stop flag wins (set by the Stop button's callback)
    job["context"] = None
job_here = job is not None and job["key"] == exp
progress_slot = st.container()

# ------------------------------------------------------------------------------------------------ which result
shipped = _shipped(exp)
live = st.session_state.get(LIVE, {}).get(exp)
if job_here and job["rows"]:
    live = make_result(exp, job["config"], job["rows"], job["device"], job["seconds"], job["status"] == "done",
                       threads=1, load=job.get("load"), cpu=job.get("cpu"))
    live["command"] = "live run on this page"
sources = [s for s, r in (("live run", live), ("shipped result", shipped)) if r is not None]
result = None
if sources:
    choice = st.radio("Show", sources, horizontal=True, key=f"tl_show_{exp}") if len(sources) > 1 else sources[0]
    result = live if choice == "live run" else shipped
else:
    st.warning("No shipped result for this experiment yet: press **Run live** below.")

if result is not None:
    fig = result_figure(result)
    st.plotly_chart(fig, width="stretch", key="tl_fig")
    st.markdown(measured_text(result))
    state = "complete" if result["complete"] else f"stopped early: {len(result['rows'])} rows kept"
    dev_line = (f"**Ran on** `{result['device']}` ({result['device_name']}), torch {result['torch_version']}, "
                f"{result['threads']} thread(s) of {result.get('cpu_count')} cores, load at start "
                f"{result.get('load_average_at_start')}, wall time {result['wall_time_s']:.1f} s"
                + (f", CPU time {result['cpu_time_s']:.1f} s" if result.get("cpu_time_s") is not None else "")
                + (f" ({result['process_cpu_time_s']:.1f} s for the whole process, start-up included)"
                   if result.get("process_cpu_time_s") and (result.get("command") or "").startswith("python -m") else "")
                + f", {state}.")
    if result.get("command"):
        dev_line += f" Command: `{result['command']}`"
    st.markdown(dev_line)
    if result is shipped and result.get("device") == "cpu":
        base = default_config(exp, device="cpu")
        changed = {k: v for k, v in result.get("config", {}).items() if base.get(k) != v}
        if changed:
            st.caption("This shipped result is **not** the CPU default run; it differs in "
                       + ", ".join(f"`{k}={v}`" for k, v in changed.items())
                       + ". The default (**Run live** below) costs under 20 s of CPU time.")
    summ = result.get("summary", {})

    def _metric_grid(items: list[tuple[str, str, str | None, str]]) -> None:
        """Metrics three to a row (labels stay readable)."""
        for start in range(0, len(items), 3):
            cols = st.columns(3)
            for col, (label, value, delta, help_) in zip(cols, items[start:start + 3]):
                col.metric(label, value, delta, delta_color="off", help=help_)

    if exp in ("sample-efficiency", "large-data") and summ.get("samples_to_5pct"):
        _metric_grid([(MODEL_SHORT.get(m, m), "not reached" if need is None else f"N ≈ {need:,.0f}",
                       f"best error {summ['best_error'][m]:.3f}",
                       "Training structures needed for a 5 % relative RMSE (log-log interpolation).")
                      for m, need in summ["samples_to_5pct"].items()])
    elif exp == "equivariance" and summ.get("max_energy_error"):
        _metric_grid([(MODEL_SHORT.get(m, m), f"{summ['max_energy_error'][m]:.2g}",
                       f"forces {summ['max_force_error'][m]:.2g}; test error {summ['test_error'][m]:.3f}",
                       "Largest energy change / std(E) over the angles; then the force error and the accuracy.")
                      for m in summ["max_energy_error"]])
    elif exp == "truncation" and summ.get("cliff_ratio") is not None:
        _metric_grid([("best error with L < K", f"{summ['min_error_below_K']:.3f}", None, None),
                      ("worst error with L ≥ K", f"{summ['max_error_at_or_above_K']:.3f}", None, None),
                      ("cliff ratio", f"{summ['cliff_ratio']:.1f}×", None, "best below K / worst at or above K")])
    elif exp == "depth" and summ.get("best_depth"):
        _metric_grid([(MODEL_SHORT.get(m, m), f"{e:.3f}", f"best at depth {d}", "Relative RMSE of the force vector.")
                      for m, (d, e) in summ["best_depth"].items()])
    with st.expander("Numbers behind the figure"):
        st.dataframe(pd.DataFrame(result["rows"]), width="stretch", hide_index=True)

# ------------------------------------------------------------------------------------------------ the form
st.subheader("Run it live")
cuda = torch.cuda.is_available()
st.caption(f"This server: torch {torch.__version__}, CUDA {'available' if cuda else 'not available'} "
           f"(auto picks {'cuda' if cuda else 'cpu'}). Runs keep each finished point; **Stop** keeps them too.")
running = job is not None and job["status"] == "running"
with st.form("tl_form"):
    c1, c2 = st.columns(2)
    allowed = list(MODELS_BY_EXPERIMENT[exp])
    defaults = default_config(exp)
    if exp in ("sample-efficiency", "large-data"):
        c1.multiselect("Models", allowed, default=defaults["models"], key="tl_models",
                       format_func=lambda m: MODEL_LABELS.get(m, m))
        c2.select_slider("Largest training set N", N_CHOICES, value=max(defaults["n_train"]), key="tl_nmax")
        if exp == "sample-efficiency":
            c1.radio("Angular term g", ["sw", "cos"], index=["sw", "cos"].index(values["target"]), key="tl_target",
                     format_func=lambda t: "(cos θ + 1/3)² (Stillinger–Weber-like)" if t == "sw" else "cos(Kθ)",
                     horizontal=True)
            c2.slider("K (for cos Kθ)", 2, 6, values["K"], key="tl_K")
            c1.checkbox("Train on energies + forces (slower; a GPU default)", value=False, key="tl_forces")
        else:
            c1.slider("Four-body weight w₄", 0.0, 3.0, float(defaults["four_body_weight"]), 0.25, key="tl_w4")
        c2.number_input("Training steps (equivariant models)", 50, 20000, int(defaults["steps"]), 50, key="tl_steps")
        u_steps = defaults["unconstrained_steps"]
        c1.number_input("Training steps (unconstrained transformer)", 50, 50000,
                        int(max(u_steps) if isinstance(u_steps, list) else u_steps), 50, key="tl_usteps",
                        help="About 5× the cost of an equivariant step on a CPU: the defaults give it fewer steps so "
                             "a run stays under 20 s; more steps lower its curve (the GPU defaults use 8000).")
    elif exp == "equivariance":
        c1.multiselect("Models", allowed, default=defaults["models"], key="tl_models",
                       format_func=lambda m: MODEL_LABELS.get(m, m))
        c2.slider("Torque-penalty weight", 0.0, 100.0, values["penalty"], 0.5, key="tl_penalty",
                  help="Weight of mean |Σ r_j × F_j|² / (rms F · r_c)² in the loss of the penalty model.")
        c1.select_slider("Training set N", [64, 128, 256, 512, 1024], value=defaults["n_train"], key="tl_ntrain")
        c2.number_input("Training steps", 50, 20000, int(defaults["steps"]), 50, key="tl_steps")
    elif exp == "truncation":
        c1.slider("Target order K in cos(Kθ)", 2, 6, values["K"], key="tl_K")
        c2.slider("Largest model degree L", 1, 8, 8, key="tl_Lmax")
        c1.radio("Readout", ["mlp", "linear"], index=["mlp", "linear"].index(values["readout"]), key="tl_readout",
                 horizontal=True, format_func=lambda r: "MLP" if r == "mlp" else "linear (ACE-style, closed form)")
        c2.select_slider("Training set N", [256, 512, 1024, 2048, 4096], value=defaults["n_train"], key="tl_ntrain")
        c1.number_input("Training steps", 50, 20000, int(defaults["steps"]), 50, key="tl_steps")
    else:
        c1.multiselect("Models", allowed, default=defaults["models"], key="tl_models",
                       format_func=lambda m: MODEL_LABELS.get(m, m))
        c2.select_slider("Largest depth", [1, 2, 3, 4, 6, 8], value=max(defaults["depths"]), key="tl_dmax")
        c1.select_slider("Width (channels)", [8, 16, 32, 64, 128], value=defaults["width"], key="tl_width")
        c2.number_input("Training steps", 50, 20000, int(defaults["steps"]), 50, key="tl_steps")
    st.radio("Device", ["auto", "cpu"] + (["cuda"] if cuda else []), horizontal=True, key="tl_device")
    st.form_submit_button("Run live", type="primary", on_click=_start_job, disabled=running, key="tl_run")

# ------------------------------------------------------------------------------------------------ URL state
current = {"exp": exp, "K": int(st.session_state.get("tl_K", values["K"])),
           "target": st.session_state.get("tl_target", values["target"]),
           "penalty": float(st.session_state.get("tl_penalty", values["penalty"])),
           "readout": st.session_state.get("tl_readout", values["readout"])}
st.query_params.update(encode_query_params(current, SPEC))

# ------------------------------------------------------------------------------------------------ code, quiz, downloads
with st.expander("Show the code"):
    st.caption("The functions behind these experiments, read from `equi_core/training/`.")
    code_objects = {
        "sample-efficiency": (power_spectrum, PowerSpectrumModel, CartesianTransformer, train_model),
        "equivariance": (net_torque, train_model, run_point),
        "truncation": (spherical_harmonics_torch, power_spectrum, site_energy),
        "depth": (ChannelwiseTensorProduct, Gate, NormActivation, IrrepsNet),
        "large-data": (site_energy, PowerSpectrumModel, CartesianTransformer),
    }[exp]
    st.code(source_of(*code_objects), language="python")

st.header("Quiz")
K_q = int(values["K"])
spectrum = legendre_spectrum(TargetSpec(angular="cos", order=K_q))
need_L = int(max(l for l, a in enumerate(spectrum) if a != 0.0))
q_L = Quiz.with_distractors(
    f"The three-body term is Σ f f cos({K_q}θ). What is the smallest model degree L that can represent it exactly?",
    need_L, [need_L - 1, need_L + 1, 2 * need_L, max(need_L // 2, 1)],
    f"cos({K_q}θ) is a polynomial of degree {K_q} in cos θ; in Legendre polynomials its coefficients are "
    f"{', '.join(f'{a:.3g}' for a in spectrum)} (l = 0…{K_q}), and by the addition theorem Σ_m Y_lm(r̂_j) Y_lm(r̂_k) "
    f"∝ P_l(cos θ_jk): degree l = {need_L} must be in the model. Computed by `legendre_spectrum`.",
)
n_rad = int(default_config("truncation")["n_radial"])
n_ps = power_spectrum_size(4, n_rad)
q_ps = Quiz.with_distractors(
    f"The invariant baseline uses {n_rad} radial functions and degrees l ≤ 4. How many invariants does its power "
    "spectrum have (with the two-body sums)?",
    n_ps, [n_rad * 5, n_rad * n_rad * 5 + n_rad, 25 * n_rad, n_ps - n_rad],
    f"{n_rad} two-body sums plus, for each of the 5 degrees, the symmetric {n_rad}×{n_rad} Gram matrix "
    f"({n_rad * (n_rad + 1) // 2} entries): {n_rad} + 5·{n_rad * (n_rad + 1) // 2} = {n_ps}. "
    "Computed by `power_spectrum_size`.",
)
tau = _torque_of_invariant_model()
zero = "0 (up to round-off)"
q_tau = Quiz(
    "An energy model is exactly rotation invariant. What is its net torque Σ_j r_j × F_j on a configuration?",
    (zero, "the total force", "|E| times the cutoff", "it depends on the configuration"),
    zero if tau < 1e-9 else "it depends on the configuration",
    "Turning every neighbour by an infinitesimal rotation ω changes E by −ω·Σ r_j × F_j; invariance for every ω "
    f"forces the net torque to vanish. Measured on an invariant model in float64: max |τ| = {tau:.1e}. This is the "
    "quantity the Equigrad-style penalty pushes to zero for the unconstrained model.",
)
for qkey, quiz in (("tl_q_L", q_L), ("tl_q_ps", q_ps), ("tl_q_tau", q_tau)):
    verdict = quiz.feedback(st.radio(quiz.question, quiz.options, index=None, key=qkey))
    if verdict is not None:
        (st.success if verdict[0] else st.error)(verdict[1])

if result is not None:
    st.subheader("Downloads")
    d1, d2 = st.columns(2)
    d1.download_button("Numbers (CSV)", table_to_csv(result_columns(result)), file_name=f"training_{exp}.csv",
                       mime="text/csv", key="tl_csv")
    d2.download_button("Figure (HTML)", lambda: figure_to_html(fig), file_name=f"training_{exp}.html",
                       mime="text/html", key="tl_html")

# ------------------------------------------------------------------------------------------------ advance the job
with progress_slot:
    if job_here and job["status"] == "running":
        done, total = job["next"], len(job["points"])
        bar = st.progress(done / max(total, 1), text=f"Running point {done + 1} of {total} on {job['device']}…")
        st.button("Stop (keep finished points)", on_click=_request_stop, key="tl_stop_btn")
    elif job_here and job["status"] == "stopped":
        st.warning(f"Stopped: {len(job['rows'])} rows from {job['next']} finished points kept.")
    elif job_here and job["status"] == "done":
        st.success(f"Live run finished: {job['next']} points in {job['seconds']:.1f} s on {job['device']}.")
    elif job is not None and job["status"] == "running":
        st.info(f"A live run of experiment {EXPERIMENTS[job['key']].number} is in progress; select it to follow it.")

if job is not None and job["status"] == "running" and not st.session_state.get(STOP):
    torch.set_num_threads(1)
    key = job["key"]
    total = len(job["points"])
    i = job["next"]
    point = job["points"][i]
    if job_here:
        control = Control(should_stop=lambda: bool(st.session_state.get(STOP)),
                          on_progress=lambda f, m: bar.progress(f, text=m))
    else:
        control = Control(should_stop=lambda: bool(st.session_state.get(STOP)))
    control.scoped(i, total, f"point {i + 1}/{total}: " + ", ".join(f"{k}={v}" for k, v in point.items()))
    t0, c0 = time.perf_counter(), time.thread_time()  # this script thread (torch runs on it with one thread)
    try:
        if job["context"] is None:
            control.check(0.0, "generating data", force=True)
            job["context"] = prepare(key, job["config"], job["device"])
        rows = run_point(key, point, job["context"], job["config"], control)
    except StopRequested:
        job["status"] = "stopped"
    else:
        job["rows"].extend(rows)
        job["next"] = i + 1
        if job["next"] >= total:
            job["status"] = "done"
    job["seconds"] += time.perf_counter() - t0
    job["cpu"] = job.get("cpu", 0.0) + time.thread_time() - c0
    if job["status"] != "running":
        job["context"] = None
    if job["rows"]:
        res = make_result(key, job["config"], job["rows"], job["device"], job["seconds"], job["status"] == "done",
                          threads=1, load=job.get("load"), cpu=job["cpu"])
        res["command"] = "live run on this page"
        st.session_state.setdefault(LIVE, {})[key] = res
    st.rerun()
