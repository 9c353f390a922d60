# parakit report (reports/): the HTML/CSV/JSON report. Included by the top
# Makefile before it computes the object list.
#
# The published data of Atlidakis et al. (reports/data/*.csv) is built
# into the binary by db/embed.sh, as for the schema.

.DEFAULT_GOAL := all

PARAKIT_SRCS += \
	reports/cmd_report.c \
	reports/report_corpus.c \
	reports/report_escape.c \
	reports/report_functions.c \
	reports/report_html.c \
	reports/report_metrics.c \
	reports/report_pairs.c \
	reports/report_plot.c \
	reports/report_published.c \
	reports/report_scan.c \
	reports/report_table.c \
	reports/report_src.c \
	reports/report_syscalls.c \
	reports/report_trace.c \
	reports/report_weights.c

GEN_SRCS += $(O)/reports/report_data.c

# gnuplot draws the charts; chromium, jq and python3 are for the tests.
DEB_PKGS += gnuplot-nox chromium jq sqlite3 python3 perl

LDLIBS += -lm

REPORT_DATA := $(sort $(wildcard reports/data/*.csv))

$(O)/reports/report_data.o: $(O)/reports/report_data.c
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/reports/report_data.c: db/embed.sh $(REPORT_DATA)
	@mkdir -p $(@D)
	$(call quiet,GEN,$@)sh db/embed.sh -i reports/report_data.h -s report_data -a report_data $(REPORT_DATA) > $@
