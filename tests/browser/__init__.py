"""Real-browser tests: headless Debian chromium driven by pip playwright against ``streamlit run app.py``."""
