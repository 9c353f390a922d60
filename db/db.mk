# The database: schema as numbered migrations, open/migrate, the catalogue,
# merge, and the 'db' command. The migrations and the catalogue are
# embedded in the binary (db/embed.sh -> $(O)/db/embedded.c, in the Makefile).
PARAKIT_SRCS += \
	db/cmd_db.c \
	db/db.c \
	db/db_alias.c \
	db/db_catalog.c \
	db/db_merge.c \
	db/db_merge_runs.c
