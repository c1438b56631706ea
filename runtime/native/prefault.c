/*
 * Pre-faults the executable's zero-initialised writable memory (.bss and NativeAOT's .hydrated section,
 * about 1.7 MB) with one madvise(MADV_POPULATE_WRITE) before the .NET runtime starts.
 *
 * Why: every platform-runtime process (each CLI call and each container init) starts by rehydrating
 * NativeAOT's dehydrated type data into .hydrated, touching ~400 fresh pages one fault at a time. In a
 * virtual machine a page fault is an expensive exit; profiling `create` showed RehydrateData and its
 * faults as the largest single cost of a NativeAOT start. Populating the range in one call halves the
 * process's page faults (630 -> 240 for `features`) and saves ~1.5 ms of CPU per process here.
 * Kernels before 5.14 answer EINVAL; then nothing happens and the pages fault in as before.
 */
#define _GNU_SOURCE
#include <link.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "prefault.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static int populate_main_image(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	/* The first entry is the executable itself (empty name); shared libraries are not ours to touch. */
	if (info->dlpi_name != NULL && info->dlpi_name[0] != '\0')
		return 0;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W) || ph->p_memsz <= ph->p_filesz)
			continue;
		/* Only the anonymous tail (memsz beyond filesz): file-backed .data stays copy-on-write as usual. */
		uintptr_t start = (info->dlpi_addr + ph->p_vaddr + ph->p_filesz + page - 1) & ~(page - 1);
		uintptr_t end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
		if (end > start)
			madvise((void *)start, end - start, MADV_POPULATE_WRITE);
	}
	return 1;
}

void platform_prefault_image(void)
{
	dl_iterate_phdr(populate_main_image, NULL);
}
