"""Pure plotly figure builders for the Lab's pages: numbers in, ``plotly.graph_objects.Figure`` out.

One module per topic (``equi_core.viz.rotations``, ``equi_core.viz.conventions``, ...). Builders never import
Streamlit and never mutate their inputs, so they are tested directly.
"""
