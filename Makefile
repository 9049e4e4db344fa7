# vyos-flow-accounting — build, test and package.
#
#   make            compile the definitions into build/ (fails with file:line on a bad one)
#   make run        set up the dependencies and open the vyflow shell on a demo root
#   make test       every test: unit, namespace, terminal, guest kernel, package
#   make deb        build the Debian package (dpkg-buildpackage -us -uc -b)

PYTHON ?= /usr/bin/python3
BUILD  := build
DEMO_ROOT ?= $(CURDIR)/.demo-root
export PYTHONPATH := $(CURDIR)/python

DEFINITIONS := $(wildcard interface-definitions/*.xml.in interface-definitions/include/*.xml.i \
                 interface-definitions/include/*/*.xml.i op-mode-definitions/*.xml.in \
                 op-mode-definitions/include/*.xml.i schema/*.rng)

.PHONY: all run setup test test-unit test-guest clean

all: $(BUILD)/definitions.json

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

# The real ipt_NETFLOW in a QEMU guest (Debian 12 kernel, DKMS module).
test-guest: all
	tests/guest/run

clean:
	rm -rf $(BUILD) .pytest_cache
