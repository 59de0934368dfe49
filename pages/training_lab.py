import streamlit as st

st.title("training_lab")
st.info("This lesson is being written.")
