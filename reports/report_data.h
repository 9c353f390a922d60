/*
 * Data files built into the binary by reports/embed.sh: the published
 * static-linkage results of Atlidakis et al. (EuroSys '16), copied from
 * the project's shared data into reports/data/.
 */
#ifndef REPORTS_REPORT_DATA_H
#define REPORTS_REPORT_DATA_H

#include <stddef.h>

struct report_data {
	const char *name;	/* "reports/data/atlidakis-2016-ubuntu.csv" */
	const char *data;	/* NUL-terminated */
	size_t len;
};
/* Ends with a NULL name. */
extern const struct report_data report_data[];

#endif
