FROM python:3.11-slim
WORKDIR /srv/numlink
COPY pyproject.toml setup.py README.md alembic.ini ./
COPY client ./client
COPY app ./app
COPY providers ./providers
COPY migrations ./migrations
RUN pip install --no-cache-dir -e .
ENV NUMLINK_HOST=0.0.0.0 NUMLINK_PORT=8000
EXPOSE 8000
CMD ["numlink", "api"]
