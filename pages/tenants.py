"""Page under construction in this change set."""

from fcu.ui import auth, layout

user = layout.require(auth.current_user())
layout.header("tenants")
