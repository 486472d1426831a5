"""UI support for the Streamlit pages: figures, widgets, state and cached compute."""
