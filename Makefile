# vyos-flow-accounting — build, test and package.
#
#   make            compile the definitions into build/ (fails with file:line on a bad one)
#   make run        set up the dependencies and open the vyflow shell on a demo root
#   make test       every test: unit, namespace, terminal, package (Debian 12 and 13 roots),
#                   and the guest platform matrix (whole guest suite on GUEST_FULL,
#                   the smoke set on debian12/debian13/fork-6.1/fork-6.12 otherwise)
#   make test-guest GUEST_FULL=debian13   the matrix with another platform run whole
#   make test-guest-platform PLATFORM=fork-6.12   everything on one platform only
#   make deb        build the Debian package (dpkg-buildpackage -us -uc -b) into build/deb/
#   make install    install under $(DESTDIR)$(PREFIX) (PREFIX=/usr/local by default)
#   make test-package  the .deb in clean Debian 12 and 13 roots: install, use, purge
#   make reference  regenerate the README's configuration reference (also done by make)

PYTHON ?= /usr/bin/python3
BUILD  := build
DEMO_ROOT ?= $(CURDIR)/.demo-root
export PYTHONPATH := $(CURDIR)/python

DEFINITIONS := $(wildcard interface-definitions/*.xml.in interface-definitions/include/*.xml.i \
                 interface-definitions/include/*/*.xml.i op-mode-definitions/*.xml.in \
                 op-mode-definitions/include/*.xml.i schema/*.rng)

.PHONY: all run setup test test-unit test-guest test-guest-platform lab clean install deb \
        test-package reference

all: $(BUILD)/definitions.json reference

$(BUILD)/definitions.json: $(DEFINITIONS) $(wildcard python/vyflow/definitions/*.py python/vyflow/validators/*.py)
	$(PYTHON) -m vyflow.definitions.build --out $(BUILD)

setup:
	./.ci/install-deps

run: setup all
	./bin/vyflow --root $(DEMO_ROOT)

test: all
	$(PYTHON) -m pytest -q tests
	$(MAKE) test-guest

test-unit: all
	$(PYTHON) -m pytest -q tests --ignore=tests/guest

# The real ipt_NETFLOW in QEMU guests: the platform matrix (tests/guest/README.md).
GUEST_FULL ?= debian12
PLATFORM ?= debian12

test-guest: all
	tests/guest/run-matrix --full $(GUEST_FULL)

test-guest-platform: all
	tests/guest/run --platform $(PLATFORM)

# A real router in the guest: topology, collector, traffic, the vyflow shell.
lab: all
	tests/guest/lab

clean:
	rm -rf $(BUILD) .pytest_cache

# ---- configuration reference: README section generated from the definitions ----

reference: $(BUILD)/definitions.json
	$(PYTHON) tools/reference.py --definitions $(BUILD)/definitions.json --update README.md

# ---- install: the layout vyflow.paths.Resources.locate() expects --------------
# <prefix>/lib/python3/dist-packages/vyflow, <prefix>/share/vyflow/…,
# <prefix>/libexec/vyflow/…: fixed relative to PREFIX (the library finds its
# resources from its own location). debian/rules: PREFIX=/usr SYSTEMDUNITDIR=/lib/systemd/system.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
PYLIBDIR := $(PREFIX)/lib/python3/dist-packages
DATADIR := $(PREFIX)/share/vyflow
LIBEXECDIR := $(PREFIX)/libexec/vyflow
# Files with a "#!" line or an executable bit are installed 0755, others 0644.
INSTALL_TREE = $(PYTHON) tools/install-tree.py

install: $(BUILD)/definitions.json
	$(INSTALL_TREE) python/vyflow $(DESTDIR)$(PYLIBDIR)/vyflow --mode 0644 --pattern '*.py'
	$(INSTALL_TREE) src/conf_mode $(DESTDIR)$(LIBEXECDIR)/conf_mode
	$(INSTALL_TREE) src/op_mode $(DESTDIR)$(LIBEXECDIR)/op_mode
	$(INSTALL_TREE) src/completion $(DESTDIR)$(LIBEXECDIR)/completion
	$(INSTALL_TREE) templates $(DESTDIR)$(DATADIR)/templates --mode 0644
	$(INSTALL_TREE) src/migration-scripts $(DESTDIR)$(DATADIR)/migration-scripts
	install -d $(DESTDIR)$(DATADIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(BASHCOMPLETIONDIR) $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0644 $(BUILD)/definitions.json $(BUILD)/op-definitions.json \
	    $(BUILD)/definitions.marshal $(BUILD)/op-definitions.marshal \
	    $(BUILD)/config.schema.json $(DESTDIR)$(DATADIR)/
	sed -e 's|@PYTHON@|$(PYTHON)|' -e 's|@PYLIBDIR@|$(PYLIBDIR)|' tools/vyflow.in > $(DESTDIR)$(BINDIR)/vyflow
	chmod 0755 $(DESTDIR)$(BINDIR)/vyflow
	install -m 0644 docs/vyflow.1 $(DESTDIR)$(MANDIR)/man1/vyflow.1
	install -m 0644 data/bash-completion/vyflow $(DESTDIR)$(BASHCOMPLETIONDIR)/vyflow
	sed -e 's|/usr/bin/vyflow|$(BINDIR)/vyflow|' data/vyflow-boot.service \
	    > $(DESTDIR)$(SYSTEMDUNITDIR)/vyflow-boot.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/vyflow-boot.service
	sed -e 's|@PYTHON@|$(PYTHON)|' -e 's|@PYLIBDIR@|$(PYLIBDIR)|' data/vyflow-https.service \
	    > $(DESTDIR)$(SYSTEMDUNITDIR)/vyflow-https.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/vyflow-https.service
	install -m 0644 data/vyflow-history.service $(DESTDIR)$(SYSTEMDUNITDIR)/vyflow-history.service

# ---- Debian package ---------------------------------------------------------
# Built from a copy of the tree (so debian/rules clean never touches this
# checkout's build/); the .deb, .buildinfo and .changes end up in build/deb/.

DEB_OUT ?= $(BUILD)/deb

deb:
	tools/build-deb $(DEB_OUT)

test-package:
	$(PYTHON) -m pytest -q tests/test_package.py
