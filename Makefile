# Set-up, run and test on a fresh Debian machine (as root, or with the system packages present).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
comma := ,

# Qt's offscreen platform needs the first line; a real X window (Xvfb) the rest.
QT_PKGS := libgl1 libegl1 libxkbcommon0 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0 libx11-6 \
	xvfb xauth libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \
	libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxcb-sync1 \
	libxcb-shm0 libx11-xcb1
# ExifTool is a test oracle only; the application never calls it.
TEST_PKGS := libimage-exiftool-perl

.PHONY: setup system-packages test lint typecheck pytest run demo bench clean

setup: system-packages $(STAMP)

# Installs the Debian packages named in $(1) that are missing (as root; otherwise says what to
# run); $(2) is an extra shell test that adds to $$missing.
define install_debs
	@missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	$(2) \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing system packages:$$missing"; \
	    apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Missing system packages:$$missing"; echo "Run as root: apt-get install$$missing"; exit 1; \
	  fi; \
	fi
endef

system-packages:
	$(call install_debs,$(QT_PKGS) $(TEST_PKGS),$(PYTHON) -c 'import ensurepip$(comma) venv' 2>/dev/null || missing="$$missing python3-venv";)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

lint: setup
	$(BIN)/ruff check verifier tests benchmarks

typecheck: setup
	$(BIN)/mypy

pytest: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q

test: lint typecheck pytest

run: setup
	@if [ -n "$$DISPLAY" ] || [ -n "$$WAYLAND_DISPLAY" ]; then \
	  $(BIN)/verifier gui --demo; \
	else \
	  echo "No display found (DISPLAY is not set), so the window cannot open."; \
	  echo "Running the headless demo instead: $(BIN)/verifier demo"; \
	  $(BIN)/verifier demo; \
	  echo "To see the window on a virtual screen: xvfb-run -a $(BIN)/verifier gui --demo"; \
	fi

demo: setup
	$(BIN)/verifier demo

bench: setup
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

# ---------------------------------------------------------------- packaging (packaging/README.md)
# `make package`: the one-folder app dist/verifier/ (PyInstaller) and
# dist/verifier-VERSION-linux-ARCH.tar.gz with a .desktop file and the icon.
# `make package-test`: builds when a source changed, then runs the frozen executable.
PACKAGE_PKGS := binutils fonts-dejavu-core  # objdump for PyInstaller; the PDF report's font
VERSION = $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -n 1)
ARCH := $(shell uname -m)
APP := dist/verifier/verifier
TARBALL = dist/verifier-$(VERSION)-linux-$(ARCH).tar.gz
PACKAGE_STAMP := $(VENV)/.installed-package
PACKAGE_INPUTS := pyproject.toml $(shell find verifier resources packaging -type f \
	! -path '*/__pycache__/*' ! -name '*.pyc' ! -name '*.md' 2>/dev/null)

.PHONY: package package-test package-system-packages

package: $(TARBALL)

package-system-packages:
	$(call install_debs,$(PACKAGE_PKGS),)

$(PACKAGE_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,package]'
	@touch $@

$(APP): $(PACKAGE_INPUTS) | setup package-system-packages $(PACKAGE_STAMP)
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build \
	  packaging/verifier.spec
	@touch $@

$(TARBALL): $(APP) packaging/linux/verifier.desktop packaging/linux/make_tarball.sh
	packaging/linux/make_tarball.sh $(VERSION) $(ARCH)

package-test: $(TARBALL)
	VERIFIER_FROZEN_APP=$(APP) QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q -m packaging \
	  tests/packaging
