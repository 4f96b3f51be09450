# An RPM (slurm-swaplimit) for RHEL-family systems, in $(B)/rpm/RPMS/.
#   make rpm                        from git HEAD, against this machine's Slurm headers
#   make rpm RPMBUILD_ARGS=...      extra rpmbuild arguments
# packaging/rpm/swaplimit.spec BuildRequires slurm-devel, which only an RPM
# system can satisfy: on Debian/Ubuntu (package `rpm`) the build runs with
# --nodeps against libslurm-dev's headers, and without a debuginfo package
# (no find-debuginfo there). The package's Release names the Slurm release
# it was built for (1.slurm22.05) and its Requires pin it.

RPM_TOP      := $(abspath $(B))/rpm
RPM_NAME     := slurm-swaplimit-$(VERSION)
RPM_ON_DEBIAN := $(if $(wildcard /etc/debian_version),yes)
RPMBUILD_ARGS ?= $(if $(RPM_ON_DEBIAN),--nodeps --define 'debug_package %{nil}')

.PHONY: rpm
rpm:
	@command -v rpmbuild >/dev/null || { echo "rpm: rpmbuild not found (Debian: apt-get install rpm)"; exit 1; }
	rm -rf $(RPM_TOP) && mkdir -p $(RPM_TOP)/SOURCES $(RPM_TOP)/SPECS
	git archive --format=tar.gz --prefix=$(RPM_NAME)/ -o $(RPM_TOP)/SOURCES/$(RPM_NAME).tar.gz HEAD
	cp packaging/rpm/swaplimit.spec $(RPM_TOP)/SPECS/
	rpmbuild -bb --define '_topdir $(RPM_TOP)' --define 'swl_version $(VERSION)' \
	  $(RPMBUILD_ARGS) $(RPM_TOP)/SPECS/swaplimit.spec
	@ls $(RPM_TOP)/RPMS/*/*.rpm
