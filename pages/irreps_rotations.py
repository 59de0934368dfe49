import streamlit as st

st.title("irreps_rotations")
st.info("This lesson is being written.")
