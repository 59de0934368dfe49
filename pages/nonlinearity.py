import streamlit as st

st.title("nonlinearity")
st.info("This lesson is being written.")
