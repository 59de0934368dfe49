import streamlit as st

st.title("truncation")
st.info("This lesson is being written.")
