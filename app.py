"""Equivariance Lab: the Streamlit entry point.

Only the page configuration, the navigation over ``pages/`` and the shared sidebar live here;
every lesson is a thin page that calls :mod:`equi_core`.
"""

import pandas  # noqa: F401 - imported for its side effect, see below
import streamlit as st

# pandas is imported here, before any page builds a figure: plotly looks pandas up in ``sys.modules`` without
# importing it, so a session starting while another session's thread is still importing pandas could see it
# half-initialized ("partially initialized module 'pandas' has no attribute 'Series'", commit 28cacde). Every
# session runs this file first, and ``import pandas`` waits on Python's per-module import lock until it is complete.

st.set_page_config(
    page_title="Equivariance Lab",
    page_icon="🌀",
    layout="wide",
)

PAGES = {
    "Start": [
        st.Page("pages/home.py", title="A free lunch that isn't", icon=":material/home:", default=True),
    ],
    "The theorem": [
        st.Page("pages/irreps_rotations.py", title="Rotations act on irrep blocks", icon=":material/3d_rotation:"),
        st.Page("pages/conventions.py", title="Conventions", icon=":material/swap_horiz:"),
        st.Page("pages/tetris.py", title="Tetris: symmetry in, symmetry out", icon=":material/extension:"),
    ],
    "What it costs": [
        st.Page("pages/nonlinearity.py", title="ReLU versus norm nonlinearity", icon=":material/function:"),
        st.Page("pages/truncation.py", title="Truncation at L", icon=":material/content_cut:"),
        st.Page("pages/tensor_products.py", title="Tensor products: the price", icon=":material/grid_on:"),
    ],
    "Measure it": [
        st.Page("pages/training_lab.py", title="Training lab", icon=":material/model_training:"),
        st.Page("pages/molecular_dynamics.py", title="Molecular dynamics", icon=":material/animation:"),
    ],
    "Where the field is heading": [
        st.Page("pages/cheaper_paths.py", title="Cheaper paths", icon=":material/alt_route:"),
    ],
}

nav = st.navigation(PAGES)

with st.sidebar:
    st.markdown("### Equivariance Lab")
    st.caption(
        "Why rotational equivariance in neural networks is *a free lunch that isn't*: "
        "every number on these pages is computed live by the `equi_core` library and checked by a test."
    )

nav.run()
