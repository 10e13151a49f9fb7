# One image for web, worker and beat (docker-compose.yml runs it three ways).

# Front-end packages come from npm at build time, never from the repository.
FROM node:20-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
COPY --from=frontend /app/node_modules/@uswds /app/node_modules/@uswds
COPY --from=frontend /app/node_modules/htmx.org /app/node_modules/htmx.org
# collectstatic needs settings but no database or secret of production's.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0

RUN useradd --create-home hod
USER hod
EXPOSE 8000
CMD ["gunicorn", "hod.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
