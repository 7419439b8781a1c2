"""FCU: who is signed in, and which pages they get. Nothing else lives here."""

import streamlit as st

from fcu.ui import auth, layout, nav

st.set_page_config(page_title="FCU", page_icon=":material/insights:", layout="wide")
user = auth.sign_in()
current = st.navigation(nav.pages_for(user))
layout.frame(user)
current.run()
