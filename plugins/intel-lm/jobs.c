// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Jobs: a selection's work (one VF each, or one pair of VFs for migrate) on up to --jobs
 * threads. Each thread takes the next job itself, so a slow VF holds up only its own thread;
 * the threads share the PFs' file descriptors, as admin commands can be outstanding together.
 * After a deferred signal no job starts: the rest are skipped, and say so.
 */
#include <pthread.h>

#include "cli-priv.h"

struct job_set {
	size_t n;
	size_t next;		/* the next job to take, atomically */
	unsigned int workers;	/* threads given their number, atomically */
	void (*run)(void *arg, size_t i, unsigned int worker);
	void (*skip)(void *arg, size_t i, int sig);
	void *arg;
};

static void *worker(void *arg)
{
	struct job_set *js = arg;
	unsigned int w = __atomic_fetch_add(&js->workers, 1, __ATOMIC_RELAXED);
	size_t i;

	while ((i = __atomic_fetch_add(&js->next, 1, __ATOMIC_RELAXED)) < js->n) {
		if (signal_caught())
			js->skip(js->arg, i, signal_caught());
		else
			js->run(js->arg, i, w);
	}
	return NULL;
}

void run_jobs(unsigned int jobs, size_t n, void (*run)(void *arg, size_t i, unsigned int worker),
	      void (*skip)(void *arg, size_t i, int sig), void *arg)
{
	struct job_set js = { .n = n, .run = run, .skip = skip, .arg = arg };
	pthread_t tids[MAX_JOBS] = { 0 };
	unsigned int want = jobs, started = 0, i;

	if (want > n)
		want = (unsigned int)n;
	if (want > MAX_JOBS)
		want = MAX_JOBS;
	for (i = 1; i < want; i++) {
		if (pthread_create(&tids[started], NULL, worker, &js))
			break;
		started++;
	}
	/* The calling thread is one of them; fewer threads only make it slower. */
	worker(&js);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
}
