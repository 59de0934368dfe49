"""Home: the argument of "a free lunch that isn't" in a few lines, each claim linked to the page that shows it."""

from __future__ import annotations

import streamlit as st

import lab_ui
from equi_core.lessons.classroom import Param
from equi_core.lessons.home import SAMPLES, EquivarianceMaps, equivariance_maps
from equi_core.testing import equivariance_error
from equi_core.viz import rotations as vr

SPEC = {"seed": Param("int", 0, min=0, max=99)}


@st.cache_data(max_entries=32, show_spinner=False)
def measured(seed: int) -> EquivarianceMaps:
    return equivariance_maps(seed)


lab_ui.page_setup("Equivariance: a free lunch that isn't")
state = lab_ui.url_state(SPEC)

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
    lab_ui.lesson_link(
        "pages/irreps_rotations.py", "See D(R) act on the blocks, and the commuting square", ":material/3d_rotation:"
    )
    lab_ui.lesson_link(
        "pages/conventions.py", "Conventions: e3nn versus the textbook versus sympy", ":material/swap_horiz:"
    )
    lab_ui.lesson_link(
        "pages/tetris.py", "Tetris: a shape's symmetry decides which outputs are possible", ":material/extension:"
    )

    st.subheader("What it costs: four mechanisms")
    st.markdown(
        "1. **Truncated irreps.** Models stop at a maximum degree $L \\le 3$; angular detail above $L$ is "
        "simply not representable."
    )
    lab_ui.lesson_link("pages/truncation.py", "Truncation at L: what an n-fold star loses", ":material/content_cut:")
    st.markdown(
        "2. **Constrained nonlinearities.** Only invariants may pass through a pointwise function. ReLU turns "
        "$(1,-2,3)$ into $(1,0,3)$ and $(-1,2,3)$ into $(0,2,3)$; a norm nonlinearity sees $\\sqrt{14}$ both "
        "times and cannot tell *up* from *sideways*."
    )
    lab_ui.lesson_link("pages/nonlinearity.py", "ReLU versus the norm nonlinearity", ":material/function:")
    st.markdown(
        "3. **Expensive tensor products.** Mixing degrees needs Clebsch-Gordan products, naively "
        "$O(L^6)$ in the maximum degree."
    )
    lab_ui.lesson_link("pages/tensor_products.py", "Tensor products: count the price", ":material/grid_on:")
    st.markdown(
        "4. **Limited depth.** Weaker nonlinearities need more layers, and deep equivariant networks are hard to "
        "train, so deployed models stay shallow."
    )
    lab_ui.lesson_link(
        "pages/training_lab.py", "Training lab: equivariant versus unconstrained, measured", ":material/model_training:"
    )

with right:
    st.subheader("The number: exact, or not at all")
    seed = state.slider(
        "Random inputs and O(3) elements, draw #",
        "seed",
        help=f"{SAMPLES} random inputs, each paired with a random rotation (every other one "
        "times −I, so inversion is tested too).",
    )
    maps = measured(int(seed))
    fig = vr.equivariance_error_bars(maps.labels, maps.errors, height=360)
    names = [label.replace("<br>", " ") for label in maps.labels]
    lab_ui.chart(
        fig,
        "fig_errors",
        downloads=[
            lab_ui.csv_download(
                "Errors (CSV)", {"map": names, "error": maps.errors}, "equivariance_errors.csv", "dl_errors_csv"
            ),
            lab_ui.html_download("Figure (HTML)", fig, "equivariance_errors.html", "dl_errors_html"),
        ],
    )
    c1, c2 = st.columns(2)
    c1.metric(
        "equivariant maps, worst error",
        f"{maps.worst_equivariant:.1e}",
        help="float64 round-off: the constraint holds exactly",
    )
    c2.metric("ReLU on a vector, error", f"{maps.relu_error:.2f}", help="of the order of the input itself")
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
    lab_ui.lesson_link(
        "pages/tensor_products.py", "Gaunt versus Clebsch-Gordan: the missing cross product", ":material/grid_on:"
    )
    lab_ui.lesson_link(
        "pages/cheaper_paths.py",
        "Cheaper paths: Cartesian tensors, the complete product on a grid, learned symmetry, priced",
        ":material/alt_route:",
    )
    lab_ui.lesson_link(
        "pages/training_lab.py",
        "Augmentation and unconstrained models in the Training lab",
        ":material/model_training:",
    )
    lab_ui.lesson_link(
        "pages/molecular_dynamics.py",
        "Molecular dynamics: direct forces, learned invariance and rotational averaging in a simulation",
        ":material/animation:",
    )

state.sync()
lab_ui.show_code(
    equivariance_maps,
    equivariance_error,
    caption="The four maps and the measurement, read from `equi_core.lessons.home` and `equi_core.testing`.",
)
