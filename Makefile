# Convive Bogotá. Two commands do everything on a fresh Debian/Ubuntu machine:
#   make run    install what is missing, start PostGIS, migrate, import boundaries, serve on :8000
#   make serve  the production shape: gunicorn (WEB_CONCURRENCY workers), WhiteNoise, JSON logs, probes
#   make test   the same set-up, then the test suite against a real PostGIS
.PHONY: run serve test setup lint format bench db-stop clean-db

run:
	@scripts/platform.sh run

serve:
	@scripts/platform.sh serve

test:
	@scripts/platform.sh test $(PYTEST_ARGS)

setup:
	@scripts/platform.sh setup

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

bench:
	@scripts/platform.sh setup && for b in bench/*.py; do .venv/bin/python $$b || exit 1; done

db-stop:
	@scripts/pg.sh stop
