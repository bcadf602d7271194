// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Jobs: a selection's work (one VF each, or one pair of VFs for migrate) on up to --jobs
 * threads. The worker takes the next job itself (an atomic index in @arg), so a slow VF holds
 * up only its own thread; the threads share the PFs' file descriptors, as admin commands can
 * be outstanding together.
 */
#include <pthread.h>

#include "cli-priv.h"

void run_jobs(unsigned int jobs, size_t n, void *(*worker)(void *), void *arg)
{
	pthread_t tids[MAX_JOBS] = { 0 };
	unsigned int want = jobs, started = 0, i;

	if (want > n)
		want = (unsigned int)n;
	if (want > MAX_JOBS)
		want = MAX_JOBS;
	for (i = 1; i < want; i++) {
		if (pthread_create(&tids[started], NULL, worker, arg))
			break;
		started++;
	}
	/* The calling thread is one of them; too few threads only makes it slower. */
	worker(arg);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
}
