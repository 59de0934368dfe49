# Equivariance Lab for a classroom: one container, one port, CPU only, no network needed at run time.
#
#   docker build -t equivariance-lab .
#   docker run -d --name equilab -p 8501:8501 --restart unless-stopped equivariance-lab
#
# then students open http://<this machine>:8501 . Settings: .streamlit/config.toml (file watcher off, no error
# details to learners, upload limits, no usage statistics) and the EQUILAB_JOB_* variables below (live-job pool;
# see README "Deploying it for a class"). Override any of them with `docker run -e NAME=value`.
FROM python:3.11-slim

# STREAMLIT_BROWSER_SERVER_ADDRESS: the address printed at start. Setting it also stops a headless Streamlit from
# asking checkip.amazonaws.com for this machine's external address (the Lab makes no network request); pass
# `-e STREAMLIT_BROWSER_SERVER_ADDRESS=<the name students type>` to print that instead.
# CPU wheels of torch (the default PyPI wheel bundles CUDA libraries a classroom server does not use).
# For a GPU server build with --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu124 (or your CUDA).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    STREAMLIT_BROWSER_SERVER_ADDRESS=localhost \
    EQUILAB_JOB_THREADS=1 \
    EQUILAB_JOB_TIMEOUT_S=900 \
    EQUILAB_JOB_RESULTS=256 \
    EQUILAB_JOB_RESULT_TTL_S=10800 \
    EQUILAB_JOB_TOTAL_MB=64

WORKDIR /app
COPY requirements.txt .
RUN pip install --extra-index-url "${TORCH_INDEX_URL}" -r requirements.txt

# The application runs as an unprivileged user that cannot change its own code.
RUN useradd --create-home --uid 10001 lab
COPY --chown=root:root . .
USER lab

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() == b'ok' else 1)"]

CMD ["streamlit", "run", "app.py", "--server.headless", "true", "--server.address", "0.0.0.0", "--server.port", "8501"]
