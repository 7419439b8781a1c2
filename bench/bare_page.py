"""A trivial Streamlit script: the cost of a Streamlit (AppTest) run with almost nothing in it."""

import streamlit as st

st.title("Bare page")
st.slider("Usage %", 0.0, 100.0, (0.0, 100.0), key="usage")
st.write("Nothing else.")
