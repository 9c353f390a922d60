# Helpers several parts share (common/): buffers, errors, JSON, threads,
# the option layer. man-db, groff-base, bsdextrautils (col) and mandoc:
# the tests render and lint the manual pages it writes; bash-completion:
# they load its completion as bash-completion does.
PARAKIT_SRCS += \
	common/common.c \
	common/json.c \
	common/options.c \
	common/options_complete.c \
	common/options_man.c \
	common/strmap.c

DEB_PKGS += man-db groff-base bsdextrautils mandoc bash-completion

# The manual pages' date: the last commit's, else today's.
MAN_DATE ?= $(shell git log -1 --format=%cs 2>/dev/null || date -u +%F)
$(O)/common/options_man.o: CPPFLAGS += -DPARAKIT_DATE='"$(MAN_DATE)"'
