"""Pure plotly figure builders for the Lab's pages: numbers in, ``plotly.graph_objects.Figure`` out.

One module per topic (``equi_core.viz.rotations``, ``equi_core.viz.conventions``, ...). Builders never import
Streamlit and never mutate their inputs, so they are tested directly.
"""

# plotly looks pandas up in ``sys.modules`` without importing it; on a server where two sessions start at once, one
# of them could see a half-imported pandas ("partially initialized module 'pandas' has no attribute 'Series'").
# Importing it here, under Python's per-module import lock, guarantees it is complete before any figure is built.
import pandas  # noqa: E402,F401
