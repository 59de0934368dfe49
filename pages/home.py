"""Home: the argument of "a free lunch that isn't" in a few lines, each claim linked to the page that shows it."""
from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.errors import StreamlitAPIException

from equi_core import Irreps, clebsch_gordan, spherical_harmonics
from equi_core import componentwise, equivariance_error, norm_nonlinearity
from equi_core.viz import rotations as vr

# On a fresh server Streamlit may run this file through its legacy pages/ discovery (app.py is then one of the
# session's pages): hand the request to app.py's navigation so the page gets its config, sidebar and layout.
if any(Path(p["script_path"]).name == "app.py" for p in get_script_run_ctx().pages_manager.get_pages().values()):
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "app.py"))
    st.stop()

SAMPLES = 16  # random (input, O(3) element) pairs per measured map


def link(page: str, label: str, icon: str | None = None) -> None:
    """``st.page_link`` to a lesson; outside ``st.navigation`` (a page tested alone) a caption instead."""
    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitAPIException:  # the page is unknown without app.py's navigation
        st.caption(f"→ {label} (see the sidebar)")


@st.cache_data(max_entries=32, show_spinner=False)
def measured_errors(seed: int) -> tuple[list[str], list[float]]:
    """``max |f(g x) - D_out(g) f(x)|`` over 16 random inputs and O(3) elements (half improper) for four maps."""
    sh_irreps = Irreps.spherical_harmonics(3)
    C111 = np.asarray(clebsch_gordan(1, 1, 1))

    def harmonics(x: np.ndarray) -> np.ndarray:
        return spherical_harmonics([0, 1, 2, 3], x, normalization="component")

    def cross(x: np.ndarray) -> np.ndarray:
        return np.einsum("ijk,ni,nj->nk", C111, x[:, :3], x[:, 3:])

    maps = [
        ("harmonics<br>Y⁰…Y³", harmonics, "1x1o", sh_irreps),
        ("CG product<br>1o⊗1o→1e", cross, "2x1o", "1x1e"),
        ("norm<br>nonlinearity", lambda x: norm_nonlinearity(x, "1x1o"), "1x1o", "1x1o"),
        ("ReLU on<br>components", lambda x: componentwise(x, "relu"), "1x1o", "1x1o"),
    ]
    labels, errors = [], []
    for label, f, irreps_in, irreps_out in maps:
        labels.append(label)
        errors.append(equivariance_error(f, irreps_in, irreps_out, n=SAMPLES, rng=int(seed)).absolute)
    return labels, errors


st.title("Equivariance: a free lunch that isn't")
st.markdown(
    "Rotate a molecule and its energy stays the same while its forces turn with it. That is not a belief about "
    "the data, it is **a theorem about the target function**, so a network built to respect it cannot be wrong "
    "about it. NequIP, MACE and the Equiformers build it into every layer and reach chemical accuracy from a few "
    "hundred structures. It looks like a free lunch. **The constraint is free; the mechanisms that enforce it are "
    "not.** Each claim below links to the page where you can check it live."
)

left, right = st.columns([1, 1], gap="large")
with left:
    st.subheader("The theorem")
    st.latex(r"f(R\,x) = D(R)\,f(x)\quad\text{for every rotation } R")
    st.markdown(
        "Features are blocks of irreps: degree $l$ has $2l+1$ numbers and turns with its Wigner matrix "
        "$D^l(R)$; $D^1(R)$ is $R$ itself. Every layer must commute with every $D(R)$."
    )
    link("pages/irreps_rotations.py", "See D(R) act on the blocks, and the commuting square", ":material/3d_rotation:")
    link("pages/conventions.py", "Conventions: e3nn versus the textbook versus sympy", ":material/swap_horiz:")

    st.subheader("What it costs: four mechanisms")
    st.markdown(
        "1. **Truncated irreps.** Models stop at a maximum degree $L \\le 3$; angular detail above $L$ is "
        "simply not representable."
    )
    link("pages/truncation.py", "Truncation at L: what an n-fold star loses", ":material/content_cut:")
    st.markdown(
        "2. **Constrained nonlinearities.** Only invariants may pass through a pointwise function. ReLU turns "
        "$(1,-2,3)$ into $(1,0,3)$ and $(-1,2,3)$ into $(0,2,3)$; a norm nonlinearity sees $\\sqrt{14}$ both "
        "times and cannot tell *up* from *sideways*."
    )
    link("pages/nonlinearity.py", "ReLU versus the norm nonlinearity", ":material/function:")
    st.markdown(
        "3. **Expensive tensor products.** Mixing degrees needs Clebsch-Gordan products, naively "
        "$O(L^6)$ in the maximum degree."
    )
    link("pages/tensor_products.py", "Tensor products: count the price", ":material/grid_on:")
    st.markdown(
        "4. **Limited depth.** Weaker nonlinearities need more layers, and deep equivariant networks are hard to "
        "train, so deployed models stay shallow."
    )
    link("pages/training_lab.py", "Training lab: equivariant versus unconstrained, measured", ":material/model_training:")

with right:
    st.subheader("The number: exact, or not at all")
    seed = st.slider("Random inputs and O(3) elements, draw #", 0, 99, 0, 1, key="seed",
                     help=f"{SAMPLES} random inputs, each paired with a random rotation (every other one "
                          "times −I, so inversion is tested too).")
    labels, errors = measured_errors(int(seed))
    fig = vr.equivariance_error_bars(labels, errors, height=360)
    st.plotly_chart(fig, key="fig_errors", config={"displaylogo": False})
    exact = [e for lbl, e in zip(labels, errors) if "ReLU" not in lbl]
    relu_err = errors[-1]
    c1, c2 = st.columns(2)
    c1.metric("equivariant maps, worst error", f"{max(exact):.1e}",
              help="float64 round-off: the constraint holds exactly")
    c2.metric("ReLU on a vector, error", f"{relu_err:.2f}", help="of the order of the input itself")
    st.caption(
        "max |f(g x) − D(g) f(x)| over the draw, for the spherical harmonics Y⁰…Y³ of a vector, the Clebsch-Gordan "
        "product 1o ⊗ 1o → 1e (the cross product), the norm nonlinearity σ(|v| − 1) v/|v| and ReLU applied to each "
        "component. Equivariant maps hit float64 round-off (~1e-16); componentwise ReLU misses by the size of the "
        "vector itself. There is no 'slightly equivariant'."
    )

    st.subheader("Where the field is heading")
    st.markdown(
        "* **Cheaper equivariant primitives**: Cartesian tensors (TensorNet); Gaunt / FFT tensor products in "
        "$O(L^3)$, which however cannot produce antisymmetric paths such as the cross product; "
        "asymptotically fast Clebsch-Gordan products.\n"
        "* **Learned equivariance**: data augmentation, or penalising violations during training.\n"
        "* **No constraint at all**: unconstrained models match equivariant ones given enough data.\n\n"
        "The question is not whether equivariance is right (it is) but how much we are willing to pay to "
        "enforce it exactly."
    )
    link("pages/tensor_products.py", "Gaunt versus Clebsch-Gordan: the missing cross product", ":material/grid_on:")
    link("pages/training_lab.py", "Augmentation and unconstrained models in the Training lab", ":material/model_training:")
