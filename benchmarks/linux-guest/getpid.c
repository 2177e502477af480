/*
 * The Linux guest's system-call benchmark (docs/linux-guest.md): a loop of getpid system calls
 * timed with the monotonic clock. Under QEMU -icount shift=0 one nanosecond of virtual time is
 * one instruction, so the figure is instructions per call, natively and under the wells
 * hypervisor alike. Built static for arm64 by xtask and run by the guest's /init.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 100000;
	long i;
	long long start, elapsed;
	pid_t pid = getpid();

	if (calls <= 0) {
		fprintf(stderr, "usage: getpid [calls > 0]\n");
		return 2;
	}
	start = now_ns();
	for (i = 0; i < calls; i++) {
		/* The raw call: no library may answer it from a cache. */
		if (syscall(SYS_getpid) != pid) {
			printf("wells-linux-guest: getpid answered a wrong pid\n");
			return 1;
		}
	}
	elapsed = now_ns() - start;
	printf("wells-linux-guest: getpid %ld calls in %lld ns, %lld ns per call\n", calls, elapsed, elapsed / calls);
	return 0;
}
