# Luma Event Sync & Analytics: the pipeline as a cron container (Railway, or any Docker host).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OUTPUT_DIR=/app/analysis_outputs \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app

# Dependencies in their own layer: rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN useradd --create-home --uid 10001 luma \
    && mkdir -p /app/analysis_outputs \
    && chown -R luma:luma /app
USER 10001:10001

# /app/analysis_outputs is where a volume goes (charts, report, guest-list CSVs). Railway refuses
# the VOLUME instruction: attach a Railway volume at that path instead.
CMD ["python", "entrypoint.py"]
