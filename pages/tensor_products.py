import streamlit as st

st.title("tensor_products")
st.info("This lesson is being written.")
