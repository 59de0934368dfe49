import streamlit as st

st.title("home")
st.info("This lesson is being written.")
