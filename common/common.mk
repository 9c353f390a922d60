# Helpers several parts share (common/): buffers, errors, JSON, threads.
PARAKIT_SRCS += \
	common/common.c \
	common/json.c \
	common/options.c \
	common/strmap.c
