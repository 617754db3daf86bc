# SPDX-License-Identifier: GPL-2.0+
# bash completion: one script, installed under each tool's name (the
# name bash-completion loads it by on first use), two of them as links.
EXTRA_DIST += completion/erofs.bash
if BASH_COMPLETION
install-data-local: install-bash-completion
uninstall-local: uninstall-bash-completion
endif
install-bash-completion:
	$(MKDIR_P) '$(DESTDIR)$(BASH_COMPLETION_DIR)'
	$(INSTALL_DATA) $(srcdir)/completion/erofs.bash \
		'$(DESTDIR)$(BASH_COMPLETION_DIR)/mkfs.erofs'
	for t in fsck.erofs dump.erofs; do \
		rm -f "$(DESTDIR)$(BASH_COMPLETION_DIR)/$$t" && \
		$(LN_S) mkfs.erofs "$(DESTDIR)$(BASH_COMPLETION_DIR)/$$t" || \
		exit 1; \
	done
uninstall-bash-completion:
	for t in mkfs.erofs fsck.erofs dump.erofs; do \
		rm -f "$(DESTDIR)$(BASH_COMPLETION_DIR)/$$t"; \
	done
.PHONY: install-bash-completion uninstall-bash-completion
