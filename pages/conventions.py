import streamlit as st

st.title("conventions")
st.info("This lesson is being written.")
