"""FCU: who is signed in, and which pages they get. Nothing else lives here."""

import streamlit as st

from fcu.ui import auth, layout, nav, work

st.set_page_config(page_title=nav.APP_NAME, page_icon=":material/insights:", layout="wide")
st.logo(nav.LOGO, size="large")
user = auth.sign_in()
current = st.navigation(nav.pages_for(user))
work.land(user, current)  # My work first, after sign-in, for anyone who has items
st.set_page_config(page_title=nav.browser_title(current))
layout.frame(user)
current.run()
